#!/bin/bash
# The AMQP issue's throughput target, measured in one run: durable 1 KiB send → receive with
# accept through Outpost (1 sender → 1 receiver, and 4 → 4), against the store's own
# group-commit benchmark (enqueue-64: 64 concurrent submitters) on the same disk, run by run.
#
#   Benchmarks/amqp-vs-store.sh [--runs N] [--messages K] [--skip-build]
#
# Builds Outpost release (scratch .build-release-bench) and the tools (scratch .build-bench)
# unless --skip-build, then alternates store / AMQP 1→1 / AMQP 4→4 for N runs (3), each on a
# fresh data directory under $TMPDIR (/tmp), and prints medians and the ratios AMQP ÷ store.
# Target (issue 3): ratio ≥ 0.5. Every process it starts is stopped by PID.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=3
MESSAGES=50000
SKIP_BUILD=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift ;;
        --messages) MESSAGES=$2; shift ;;
        --skip-build) SKIP_BUILD=1 ;;
        -h|--help) sed -n "2,11p" "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
OUTPOST=$ROOT/.build-release-bench/release/outpost
STORE_BENCH=$ROOT/.build-bench/release/outpost-store-bench
AMQP_BENCH=$ROOT/.build-bench/release/outpost-amqp-bench
if [ $SKIP_BUILD = 0 ]; then
    swift build -c release --product outpost --scratch-path "$ROOT/.build-release-bench" || exit 1
    (cd Benchmarks && swift build -c release --scratch-path "$ROOT/.build-bench" --product outpost-store-bench \
        && swift build -c release --scratch-path "$ROOT/.build-bench" --product outpost-amqp-bench) || exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/outpost-amqp-vs-store.XXXXXX")
OUTPOST_PID=""
cleanup() {
    [ -n "$OUTPOST_PID" ] && kill "$OUTPOST_PID" 2>/dev/null && wait "$OUTPOST_PID" 2>/dev/null
    OUTPOST_PID=""
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; }
wait_port() {
    local i=0
    while [ $i -lt 300 ]; do
        (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" | head -1; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

amqp_run() {  # senders receivers messages-per-sender label
    local port data
    port=$((20000 + RANDOM % 20000)); while ! port_free $port; do port=$((20000 + RANDOM % 20000)); done
    data=$TMP/outpost-$4
    rm -rf "$data"; mkdir -p "$data"
    "$OUTPOST" run --data-dir "$data" --amqp-port "$port" --mqtt-port 0 --management-port 0 > "$TMP/outpost.log" 2>&1 &
    OUTPOST_PID=$!
    wait_port "$port" || { echo "outpost did not start; see $TMP/outpost.log" >&2; exit 1; }
    timeout 600 "$AMQP_BENCH" --url "amqp://127.0.0.1:$port" --address bench --durable --size 1024 \
        --senders "$1" --receivers "$2" --window 1000 --messages "$3" --label "$4" > "$TMP/amqp.out" 2>&1
    local status=$?
    kill "$OUTPOST_PID" 2>/dev/null; wait "$OUTPOST_PID" 2>/dev/null; OUTPOST_PID=""
    grep "^RESULT" "$TMP/amqp.out" >&2
    [ $status = 0 ] || { echo "load tool failed (counts not verified):" >&2; cat "$TMP/amqp.out" >&2; exit 1; }
    grep "^RESULT" "$TMP/amqp.out" | field msgs_per_s
}

: > "$TMP/store" ; : > "$TMP/one" ; : > "$TMP/four"
for run in $(seq 1 "$RUNS"); do
    echo "== run $run of $RUNS"
    "$STORE_BENCH" enqueue --rounds 1 --duration 3 --dir "$TMP" > "$TMP/store.out" 2>&1
    store=$(sed -n 's/^RESULT enqueue-64: \([0-9]*\) msg\/s.*/\1/p' "$TMP/store.out" | tail -1)
    echo "store enqueue-64: $store msg/s"
    echo "$store" >> "$TMP/store"
    one=$(amqp_run 1 1 "$MESSAGES" "1to1-$run") || exit 1
    echo "amqp 1 -> 1: $one msg/s"
    echo "$one" >> "$TMP/one"
    four=$(amqp_run 4 4 $((MESSAGES / 4)) "4to4-$run") || exit 1
    echo "amqp 4 -> 4: $four msg/s"
    echo "$four" >> "$TMP/four"
    awk -v s="$store" -v a="$one" -v b="$four" 'BEGIN { printf "  ratios this run: 1->1 %.2f, 4->4 %.2f\n", a / s, b / s }'
done
store=$(median < "$TMP/store"); one=$(median < "$TMP/one"); four=$(median < "$TMP/four")
echo "== medians of $RUNS runs (durable 1 KiB; AMQP: send and receive at once, accept)"
echo "store group commit (enqueue-64): $store msg/s"
awk -v s="$store" -v a="$one" -v b="$four" 'BEGIN {
    printf "AMQP 1 -> 1: %d msg/s = %.2f x store (target >= 0.5: %s)\n", a, a / s, (a / s >= 0.5 ? "PASS" : "FAIL")
    printf "AMQP 4 -> 4: %d msg/s = %.2f x store (target >= 0.5: %s)\n", b, b / s, (b / s >= 0.5 ? "PASS" : "FAIL")
}'
