#!/usr/bin/env bash
# Builds the MQTTCodec libFuzzer target and runs it.
# Usage: Fuzz/MQTT/run.sh [max_total_time_seconds=600] [extra libFuzzer flags...]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seconds="${1:-600}"
shift || true

scratch="$here/.build-fuzz"
corpus="$here/corpus"
artifacts="$here/artifacts/"
mkdir -p "$corpus" "$artifacts"

# Seed corpus: every golden fixture in the tests, written as `hex: "..."` string literals.
grep -rhoE 'hex: "[0-9A-Fa-f ]+"' "$repo/Tests/MQTTCodecTests" \
    | sed -E 's/hex: "([^"]*)"/\1/' | sort -u \
    | while read -r fixture; do
        name="seed-$(printf '%s' "$fixture" | sha1sum | cut -c1-16)"
        printf '%s' "$fixture" | tr -d ' ' | xxd -r -p > "$corpus/$name"
    done
# Concatenations exercise streams of several packets, such as CONNECT followed by more.
seeds=("$corpus"/seed-*)
for ((i = 0; i + 1 < ${#seeds[@]}; i += 3)); do
    cat "${seeds[$i]}" "${seeds[$((i + 1))]}" > "$corpus/pair-$i"
done

swift build -c release --package-path "$here" --scratch-path "$scratch" --product MQTTFuzz
binary="$(swift build -c release --package-path "$here" --scratch-path "$scratch" --show-bin-path)/MQTTFuzz"

exec "$binary" "$corpus" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$artifacts" \
    -print_final_stats=1 "$@"
