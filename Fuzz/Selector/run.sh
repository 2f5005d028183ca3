#!/usr/bin/env bash
# Builds the MessageSelector libFuzzer target and runs it for $1 seconds (default 600) on one process.
#   Fuzz/Selector/run.sh [seconds]
# Environment: SCRATCH (build dir), WORK (corpus and crash artifacts dir).
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_TO_RUN="${1:-600}"
SCRATCH="${SCRATCH:-/tmp/outpost-selector-fuzz/build}"
WORK="${WORK:-/tmp/outpost-selector-fuzz/work}"

swift build -c release --scratch-path "$SCRATCH" --product SelectorFuzz
BINARY="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/SelectorFuzz"

# Seed corpus: the selectors in seeds.txt, one input per line (a line starting with '#' is a comment).
mkdir -p "$WORK/seeds" "$WORK/corpus" "$WORK/artifacts"
index=0
while IFS= read -r line; do
    case "$line" in
        '#'* | '') continue ;;
    esac
    printf '%s' "$line" > "$WORK/seeds/seed-$index"
    index=$((index + 1))
done < seeds.txt

# Dictionary: keywords and operators, so that mutations splice whole tokens.
: > "$WORK/selector.dict"
for token in NOT AND OR BETWEEN LIKE IN IS NULL ESCAPE TRUE FALSE "<>" "!=" "<=" ">=" "''" 0x 1e- .5 JMSPriority; do
    printf '"%s"\n' "$token" >> "$WORK/selector.dict"
done

"$BINARY" "$WORK/corpus" "$WORK/seeds" \
    -dict="$WORK/selector.dict" \
    -max_total_time="$SECONDS_TO_RUN" \
    -max_len=4096 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$WORK/artifacts/"
