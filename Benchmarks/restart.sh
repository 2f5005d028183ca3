#!/bin/bash
# Restart benchmark (issue 7): how long the daemon takes from exec to ready (/readyz answers 200)
# with an empty store, 1,000,000 and 10,000,000 stored messages, in the same run.
#
#   Benchmarks/restart.sh [--quick] [--skip-build] [--rounds N] [--stores DIR]
#
# --quick: 100,000 and 1,000,000 messages instead. --rounds N: starts per store (default 5; the
# median is reported). --stores DIR: where the stores are built and kept between runs (default
# /tmp/outpost-restart-stores; building 10 M messages takes minutes and about 12 GB, so it is
# done once: a store that exists is reused).
#
# Builds Outpost release (scratch .build-release-bench) and outpost-store-bench (.build-bench).
# The stores are written by outpost-store-bench's reopen builder (10 anycast queues, 1 KiB
# bodies); the daemon opens them in place.
# Each round: `outpost run --data-dir STORE` on free loopback ports, poll /readyz every 5 ms, stop
# it with SIGTERM and wait for it; the time to ready and the daemon's own "open-time" log field
# are recorded. Every process started is stopped by PID.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
QUICK=0
SKIP_BUILD=0
ROUNDS=5
STORES=/tmp/outpost-restart-stores
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --skip-build) SKIP_BUILD=1 ;;
        --rounds) ROUNDS=$2; shift ;;
        --stores) STORES=$2; shift ;;
        -h|--help) sed -n "2,18p" "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
OUTPOST=$ROOT/.build-release-bench/release/outpost
STORE_BENCH=$ROOT/.build-bench/release/outpost-store-bench
if [ $SKIP_BUILD = 0 ]; then
    echo "== building outpost and outpost-store-bench (release)"
    swift build -c release --product outpost --scratch-path "$ROOT/.build-release-bench" || exit 1
    (cd Benchmarks && swift build -c release --scratch-path "$ROOT/.build-bench" --product outpost-store-bench) || exit 1
fi
if [ $QUICK = 1 ]; then SIZES="0 100000 1000000"; else SIZES="0 1000000 10000000"; fi

mkdir -p "$STORES"
# The 10 M store is about 12 GB: above the default store.max-size (4 GiB).
CONFIG=$STORES/outpost.yaml
printf 'store:\n  max-size: 32GiB\n' > "$CONFIG"
for size in $SIZES; do
    dir=$STORES/store-$size
    if [ -f "$dir/data.mdb" ]; then
        echo "== reusing $dir"
    elif [ "$size" = 0 ]; then
        mkdir -p "$dir"
    else
        echo "== building $dir ($size messages)"
        mkdir -p "$dir"
        "$STORE_BENCH" reopen --reopen-messages "$size" --reopen-store "$dir" --rounds 1 > "$STORES/build-$size.log" 2>&1 \
            || { echo "building the $size store failed, see $STORES/build-$size.log" >&2; exit 1; }
    fi
done

PID=""
cleanup() {
    [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_and_time DIR: prints "MS OPEN_TIME" for one start of the daemon on DIR.
start_and_time() {
    local dir=$1 log=$STORES/daemon.log ports amqp mqtt mgmt start now code
    read -r amqp mqtt mgmt < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
    start=$(date +%s%N)
    "$OUTPOST" run --config "$CONFIG" --data-dir "$dir" --bind 127.0.0.1 --amqp-port "$amqp" --mqtt-port "$mqtt" --management-port "$mgmt" > "$log" 2>&1 &
    PID=$!
    while true; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mgmt/readyz" 2>/dev/null)
        [ "$code" = 200 ] && break
        kill -0 "$PID" 2>/dev/null || { echo "the daemon exited at start:" >&2; tail -5 "$log" >&2; exit 1; }
        now=$(date +%s%N)
        [ $(( (now - start) / 1000000 )) -gt 60000 ] && { echo "not ready after 60 s" >&2; exit 1; }
        sleep 0.005
    done
    now=$(date +%s%N)
    local open
    open=$(grep -o 'outpost.open-time=[^ ]*' "$log" | head -1 | cut -d= -f2)
    kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=""
    echo "$(( (now - start) / 1000 )) ${open:-?}"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A READY
echo "== $ROUNDS starts per store, stores alternating"
for round in $(seq 1 "$ROUNDS"); do
    for size in $SIZES; do
        read -r micros open < <(start_and_time "$STORES/store-$size")
        READY[$size]="${READY[$size]:-} $micros"
        echo "round $round: $size messages: ready after $(awk "BEGIN { printf \"%.1f\", $micros / 1000 }") ms (store open $open)"
    done
done
echo
echo "== summary (median of $ROUNDS)"
set -- $SIZES
EMPTY=$(echo ${READY[$1]} | tr ' ' '\n' | median)
SMALL=$(echo ${READY[$2]} | tr ' ' '\n' | median)
LARGE=$(echo ${READY[$3]} | tr ' ' '\n' | median)
awk -v e="$EMPTY" -v s="$SMALL" -v l="$LARGE" -v ns="$2" -v nl="$3" 'BEGIN {
    printf "RESULT restart to ready: empty %.1f ms, %d messages %.1f ms, %d messages %.1f ms\n", e / 1000, ns, s / 1000, nl, l / 1000
    printf "RESULT ratio %d / %d messages: %.2f (target <= 2); %d / empty: %.2f; %d messages <= 1 s: %s\n", nl, ns, l / s, nl, l / e, nl, (l <= 1000000 ? "PASS" : "FAIL")
}'
