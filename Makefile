# Outpost: two commands do all the set-up on a fresh Debian/Ubuntu machine.
#   make run    installs missing system packages, builds release, starts the daemon
#   make test   installs what the tests need, runs every test suite

SWIFT ?= swift
# System packages the build needs (checked with dpkg, installed with apt-get when missing).
BUILD_PACKAGES := liblmdb-dev pkg-config
# And what the tests add: real MQTT clients, mosquitto and RabbitMQ (uplink peers, started by the
# tests on free loopback ports), Python for the interop suites.
TEST_PACKAGES := mosquitto mosquitto-clients rabbitmq-server python3 python3-venv
RUN_ARGS ?=

.PHONY: run test build deps test-deps bench clean

deps:
	@PACKAGES="$(BUILD_PACKAGES)" scripts/apt-ensure

test-deps: deps
	@PACKAGES="$(TEST_PACKAGES)" scripts/apt-ensure

build: deps
	$(SWIFT) build -c release --product outpost

run: build
	.build/release/outpost run $(RUN_ARGS)

# Every suite; scripts/run-tests prints the test counts so an empty run is visible.
test: test-deps
	scripts/run-tests

# Side-by-side load figures against mosquitto and RabbitMQ, restart and uplink drain (issue 7);
# `make bench BENCH_ARGS=--quick` for the 3-minute version. See Benchmarks/README.md.
BENCH_ARGS ?=
bench: deps
	Benchmarks/bench.sh $(BENCH_ARGS)

clean:
	rm -rf .build
