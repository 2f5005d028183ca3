# Outpost: two commands do all the set-up on a fresh Debian/Ubuntu machine.
#   make run    installs missing system packages, builds release, starts the daemon
#   make test   installs what the tests need, runs every test suite

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
# System packages the build needs (checked with dpkg, installed with apt-get when missing).
BUILD_PACKAGES := liblmdb-dev pkg-config
RUN_ARGS ?=

.PHONY: run test build deps test-deps clean

deps:
	@missing=""; for p in $(BUILD_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product outpost

run: build
	.build/release/outpost run $(RUN_ARGS)

test-deps: deps

# Every suite; scripts/run-tests prints the test counts so an empty run is visible.
test: test-deps
	scripts/run-tests

clean:
	rm -rf .build
