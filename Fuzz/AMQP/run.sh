#!/usr/bin/env bash
# Builds the AMQPCodec libFuzzer target and runs it for $1 seconds (default 600) on one process.
#   Fuzz/AMQP/run.sh [seconds]
# Environment: SCRATCH (build dir), WORK (corpus and crash artifacts dir).
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_TO_RUN="${1:-600}"
SCRATCH="${SCRATCH:-/tmp/outpost-amqp-fuzz/build}"
WORK="${WORK:-/tmp/outpost-amqp-fuzz/work}"

swift build -c release --scratch-path "$SCRATCH" --product AMQPFuzz
BINARY="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/AMQPFuzz"

# Seed corpus: the hex fixtures in seeds.txt, one input per line ('#' starts a comment).
mkdir -p "$WORK/seeds" "$WORK/corpus" "$WORK/artifacts"
index=0
while IFS= read -r line; do
    line="${line%%#*}"
    hex="$(printf '%s' "$line" | tr -d ' \t')"
    [ -z "$hex" ] && continue
    printf '%s' "$hex" | xxd -r -p > "$WORK/seeds/seed-$index"
    index=$((index + 1))
done < seeds.txt

"$BINARY" "$WORK/corpus" "$WORK/seeds" \
    -max_total_time="$SECONDS_TO_RUN" \
    -max_len=4096 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$WORK/artifacts/"
