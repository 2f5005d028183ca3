#!/bin/bash
# Everything issue 7 measures, in one run (`make bench`): the side-by-side scenarios against
# mosquitto and RabbitMQ (compare.sh), then Outpost alone: restart time with 1 M and 10 M stored
# messages (restart.sh) and the uplink drain rate (drain.sh). The side-by-side table and the two
# Outpost-alone result lines go into docs/benchmarks.md (write-table.sh).
#
#   Benchmarks/bench.sh [--quick] [--skip-build] [--runs N]
#
# --quick: each part's quick mode (fewer messages; restart with 100 k and 1 M stored messages,
# drain 100 k), about 3 minutes. The first full run builds a 10 M message store for restart.sh
# (about 14 GB under /tmp/outpost-restart-stores, 90 s) and keeps it for the next runs.
set -u
cd "$(dirname "$0")/.."
quick=()
compare_args=()
runs=3
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=(--quick); compare_args+=(--quick); runs=1 ;;
        --skip-build) compare_args+=(--skip-build) ;;
        --runs) compare_args+=(--runs "$2"); runs=$2; shift ;;
        -h|--help) sed -n "2,11p" "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
started=$(date -u '+%Y-%m-%d %H:%M')
work=$(mktemp -d /tmp/outpost-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# compare.sh builds Outpost and every load tool the other two use.
Benchmarks/compare.sh "${compare_args[@]}" --no-doc | tee "$work/compare"
results=$(sed -n 's/^raw results and logs: //p' "$work/compare" | tail -1)
[ -n "$results" ] && [ -s "$results/table.txt" ] || { echo "compare.sh gave no table"; exit 1; }
echo "== restart (Outpost alone)"
Benchmarks/restart.sh "${quick[@]}" --skip-build | tee "$work/restart"
echo "== uplink drain (Outpost alone)"
Benchmarks/drain.sh "${quick[@]}" --skip-build | tee "$work/drain"

{
    cat "$results/table.txt"
    echo
    echo "Outpost alone:"
    grep '^RESULT' "$work/restart" || echo "restart: no result"
    grep '^RESULT' "$work/drain" || echo "drain: no result"
} > "$work/table"
Benchmarks/write-table.sh "$work/table" \
    "$started UTC, $(nproc) cores, median of $runs run(s)$( [ ${#quick[@]} -gt 0 ] && echo ', --quick message counts')"
