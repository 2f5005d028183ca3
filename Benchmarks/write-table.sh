#!/bin/bash
# Puts a compare.sh table into docs/benchmarks.md, replacing the one the previous run wrote
# (between the two marker lines; the first time, before the first "## Side by side" section).
# The hand-written analyses below it stay as they are.
#
#   Benchmarks/write-table.sh TABLE_FILE "HEADING LINE"
set -eu
cd "$(dirname "$0")/.."
table=$1
heading=$2
doc=docs/benchmarks.md
begin='<!-- Benchmarks/compare.sh writes this section (Benchmarks/write-table.sh); edits here are replaced -->'
end='<!-- end of the section compare.sh writes -->'
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- Sources Package.swift 2>/dev/null || commit="$commit with uncommitted changes"
section=$(mktemp)
trap 'rm -f "$section" "$section.doc"' EXIT
{
    echo "$begin"
    echo "## Side by side (issue 7): the latest \`make bench\` table"
    echo
    echo "$heading; source at $commit. Ratios Outpost / peer; targets and what the figures mean"
    echo "are in the measurements below. Peers as run: mosquitto (Debian) without persistence,"
    echo "\`max_queued_messages 0\` and \`max_inflight_messages 0\` (unlimited, so it drops nothing);"
    echo "RabbitMQ (Debian, 3.10) with \`mqtt.prefetch 1000\` (default 10) and AMQP 1.0 to"
    echo "\`/queue/NAME\` with durable termini (a durable classic queue). Outpost: defaults, durable store."
    echo
    echo '```'
    cat "$table"
    echo '```'
    echo "$end"
} > "$section"
if grep -qxF "$begin" "$doc"; then
    awk -v begin="$begin" -v end="$end" -v section="$section" '
        $0 == begin { while ((getline line < section) > 0) print line; skipping = 1; next }
        skipping { if ($0 == end) skipping = 0; next }
        { print }' "$doc" > "$section.doc"
else
    awk -v section="$section" '
        !done && /^## Side by side/ { while ((getline line < section) > 0) print line; print ""; done = 1 }
        { print }
        END { if (!done) { print ""; while ((getline line < section) > 0) print line } }' "$doc" > "$section.doc"
fi
cp "$section.doc" "$doc"
echo "table written to $doc"
