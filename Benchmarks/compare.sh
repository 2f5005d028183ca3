#!/bin/bash
# Side-by-side load figures (issue 7): Outpost against Debian's mosquitto (MQTT) and
# RabbitMQ (AMQP 1.0 and MQTT plugins), same load tools, same scenarios, same machine.
#
#   Benchmarks/compare.sh [--quick] [--runs N] [--only outpost,mosquitto,rabbitmq] [--skip-build] [--no-doc]
#   (environment: OUTPOST_SRC=DIR builds Outpost from DIR instead of this checkout)
#
# Builds Outpost release (scratch .build-release-bench) and the load tools (scratch
# .build-bench), starts every broker on loopback with a temporary data directory, runs each
# scenario once as warm-up and then N times (3; --quick: 1 run with fewer messages),
# alternating brokers run by run, and prints medians and ratios (Outpost / peer). Broker RSS
# (VmRSS idle after start, VmHWM peak) from /proc. Every process it starts is stopped by PID.
# The table also goes into docs/benchmarks.md (Benchmarks/write-table.sh), replacing the last
# run's, unless --no-doc (for experiments).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
QUICK=0
RUNS=3
ONLY="outpost,mosquitto,rabbitmq"
SKIP_BUILD=0
WRITE_DOC=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; RUNS=1 ;;
        --runs) RUNS=$2; shift ;;
        --only) ONLY=$2; shift ;;
        --skip-build) SKIP_BUILD=1 ;;
        --no-doc) WRITE_DOC=0 ;;
        -h|--help) sed -n "2,16p" "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
wants() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# OUTPOST_SRC: build Outpost from another checkout (for example `git archive HEAD` unpacked
# somewhere) when the working tree does not build; the load tools always come from here.
OUTPOST_SRC=${OUTPOST_SRC:-$ROOT}
RELEASE_SCRATCH=$ROOT/.build-release-bench
BENCH_SCRATCH=$ROOT/.build-bench
OUTPOST=$RELEASE_SCRATCH/release/outpost
MQTT_BENCH=$BENCH_SCRATCH/release/outpost-mqtt-bench
AMQP_BENCH=$BENCH_SCRATCH/release/outpost-amqp-bench
STORE_BENCH=$BENCH_SCRATCH/release/outpost-store-bench

PACKAGES="mosquitto rabbitmq-server" scripts/apt-ensure || exit 1
if [ $SKIP_BUILD = 0 ]; then
    echo "== building outpost (release) and the load tools (release)"
    (cd "$OUTPOST_SRC" && swift build -c release --product outpost --scratch-path "$RELEASE_SCRATCH") || exit 1
    (cd Benchmarks && swift build -c release --scratch-path "$BENCH_SCRATCH" --product outpost-mqtt-bench \
        && swift build -c release --scratch-path "$BENCH_SCRATCH" --product outpost-amqp-bench \
        && swift build -c release --scratch-path "$BENCH_SCRATCH" --product outpost-store-bench) || exit 1
fi

TMP=$(mktemp -d /tmp/outpost-compare.XXXXXX)
RESULTS=$TMP/results.txt
: > "$RESULTS"
OUTPOST_PID=""
MOSQUITTO_PID=""
RABBIT_DIR=""
cleanup() {
    [ -n "$OUTPOST_PID" ] && kill "$OUTPOST_PID" 2>/dev/null && wait "$OUTPOST_PID" 2>/dev/null
    [ -n "$MOSQUITTO_PID" ] && kill "$MOSQUITTO_PID" 2>/dev/null
    [ -n "$RABBIT_DIR" ] && scripts/peers/rabbitmq-stop "$RABBIT_DIR"
    OUTPOST_PID=""; MOSQUITTO_PID=""; RABBIT_DIR=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# Ports: a block above 20000 that is free now.
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; }
BASE=$((20000 + RANDOM % 20000))
while ! (port_free $BASE && port_free $((BASE+1)) && port_free $((BASE+2)) && port_free $((BASE+10)) \
    && port_free $((BASE+11)) && port_free $((BASE+12)) && port_free $((BASE+13))); do
    BASE=$((20000 + RANDOM % 20000))
done
OUTPOST_AMQP=$BASE; OUTPOST_MQTT=$((BASE+1)); MOSQUITTO_MQTT=$((BASE+2))
RABBIT_AMQP=$((BASE+10)); RABBIT_MQTT=$((BASE+13))   # +11 epmd, +12 distribution

wait_port() {
    local i=0
    while [ $i -lt 300 ]; do
        (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
rss_kb() { awk "/^$2:/ {print \$2}" "/proc/$1/status" 2>/dev/null || echo 0; }
declare -A PIDOF IDLE_RSS IDLE_ANON

if wants outpost; then
    mkdir -p "$TMP/outpost"
    "$OUTPOST" run --data-dir "$TMP/outpost" --amqp-port $OUTPOST_AMQP --mqtt-port $OUTPOST_MQTT --management-port 0 \
        > "$TMP/outpost.log" 2>&1 &
    OUTPOST_PID=$!
    wait_port $OUTPOST_MQTT && wait_port $OUTPOST_AMQP || { echo "outpost did not start; see $TMP/outpost.log"; exit 1; }
    PIDOF[outpost]=$OUTPOST_PID
fi
if wants mosquitto; then
    MOSQUITTO_PID=$(scripts/peers/mosquitto-start "$TMP/mosquitto" $MOSQUITTO_MQTT) || exit 1
    PIDOF[mosquitto]=$MOSQUITTO_PID
fi
if wants rabbitmq; then
    echo "== starting RabbitMQ (about 45 s)"
    RABBIT_DIR=$TMP/rabbitmq
    out=$(scripts/peers/rabbitmq-start "$RABBIT_DIR" $RABBIT_AMQP $RABBIT_MQTT) || { echo "rabbitmq did not start"; exit 1; }
    PIDOF[rabbitmq]=${out%% *}
    wait_port $RABBIT_MQTT || { echo "rabbitmq MQTT listener did not open"; exit 1; }
fi
sleep 2
for peer in "${!PIDOF[@]}"; do
    IDLE_RSS[$peer]=$(rss_kb "${PIDOF[$peer]}" VmRSS)
    IDLE_ANON[$peer]=$(rss_kb "${PIDOF[$peer]}" RssAnon)
done

# Messages per scenario (per publisher/sender).
if [ $QUICK = 1 ]; then M1=20000; M4=5000; MA=10000; RATE_MSGS=10000; else M1=100000; M4=25000; MA=50000; RATE_MSGS=40000; fi

# name | protocol | arguments | peers that support it
SCENARIOS=(
    "mqtt311-q0-1to1|mqtt|--version 3.1.1 --qos 0 --publishers 1 --subscribers 1 --size 100 --messages $M1|outpost mosquitto rabbitmq"
    "mqtt311-q0-4to4|mqtt|--version 3.1.1 --qos 0 --publishers 4 --subscribers 4 --size 100 --messages $M4|outpost mosquitto rabbitmq"
    "mqtt311-q1-1to1|mqtt|--version 3.1.1 --qos 1 --publishers 1 --subscribers 1 --size 100 --messages $M1|outpost mosquitto rabbitmq"
    "mqtt311-q1-4to4|mqtt|--version 3.1.1 --qos 1 --publishers 4 --subscribers 4 --size 100 --messages $M4|outpost mosquitto rabbitmq"
    "mqtt5-q1-1to1|mqtt|--version 5 --qos 1 --publishers 1 --subscribers 1 --size 100 --messages $M1|outpost mosquitto"
    "mqtt311-q1-rate2000|mqtt|--version 3.1.1 --qos 1 --publishers 1 --subscribers 1 --size 100 --rate 2000 --messages $RATE_MSGS|outpost mosquitto rabbitmq"
    "amqp-durable-1k-both|amqp|--durable --size 1024 --senders 1 --receivers 1 --window 1000 --messages $MA|outpost rabbitmq"
    "amqp-durable-1k-backlog|amqp|--durable --size 1024 --senders 1 --receivers 1 --window 1000 --scenario backlog --messages $MA|outpost rabbitmq"
)

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# The latency scenario's baseline, right after each Outpost run: what one durable commit costs
# on this disk now (raw LMDB, one put per commit, back to back; the disk's latency moves from
# minute to minute on a shared machine, and an acknowledgment after fsync cannot beat it).
disk_commit_baseline() {  # scenario run-label
    local line p50 p99
    line=$("$STORE_BENCH" latency --rounds 1 --latency-commits 2000 --dir "$TMP" 2>/dev/null | grep -m1 'round 1:')
    p50=$(echo "$line" | sed -n 's/.*raw LMDB median \([0-9.]*\) µs (p99 \([0-9.]*\)).*/\1/p')
    p99=$(echo "$line" | sed -n 's/.*raw LMDB median \([0-9.]*\) µs (p99 \([0-9.]*\)).*/\2/p')
    [ -n "$p50" ] || { echo "   (disk commit baseline: no result)"; return; }
    echo "   disk commit baseline run $2: raw LMDB put+commit p50 ${p50} µs, p99 ${p99} µs"
    echo "$1 outpost $2 disk_commit_p50_us $p50" >> "$RESULTS"
    echo "$1 outpost $2 disk_commit_p99_us $p99" >> "$RESULTS"
}

run_one() {  # peer scenario protocol args run-label
    local peer=$1 name=$2 proto=$3 args=$4 run=$5 target ticks_before
    ticks_before=$(cpu_ticks "${PIDOF[$peer]}")
    if [ "$proto" = mqtt ]; then
        case $peer in
            outpost) target="--port $OUTPOST_MQTT" ;; mosquitto) target="--port $MOSQUITTO_MQTT" ;; rabbitmq) target="--port $RABBIT_MQTT" ;;
        esac
        # shellcheck disable=SC2086
        timeout 600 "$MQTT_BENCH" $target $args --label "$peer/$name/$run" > "$TMP/run.out" 2>&1
    else
        case $peer in
            outpost) target="--url amqp://127.0.0.1:$OUTPOST_AMQP --address bench" ;;
            rabbitmq) target="--url amqp://127.0.0.1:$RABBIT_AMQP --address /queue/bench" ;;
        esac
        # shellcheck disable=SC2086
        timeout 600 "$AMQP_BENCH" $target $args --label "$peer/$name/$run" > "$TMP/run.out" 2>&1
    fi
    local status=$?
    local ticks=$(( $(cpu_ticks "${PIDOF[$peer]}") - ticks_before ))
    cat "$TMP/run.out" >> "$TMP/all-runs.log"
    local line received
    line=$(grep '^RESULT' "$TMP/run.out" | tail -1)
    # The broker's CPU time (utime + stime of its process) per message delivered.
    received=$(echo "$line" | tr ' ' '\n' | awk -F= '$1 == "received" {print $2}')
    [ -n "$line" ] && [ "${received:-0}" -gt 0 ] \
        && line="$line broker_cpu_us_per_msg=$(awk -v t=$ticks -v h=$CLK_TCK -v n=$received 'BEGIN {printf "%.2f", t / h * 1e6 / n}')"
    if [ -z "$line" ]; then
        echo "   $peer $name run $run: no result (exit $status); tail:"; tail -5 "$TMP/run.out" | sed 's/^/     /'
        echo "$name $peer $run ok 0" >> "$RESULTS"
        return
    fi
    echo "   $peer $name run $run: $(echo "$line" | cut -d' ' -f4-)"
    [ "$run" = warmup ] && return
    [ "$peer" = outpost ] && case $name in *rate2000*) disk_commit_baseline "$name" "$run" ;; esac
    for field in $line; do
        case $field in
            *=*) echo "$name $peer $run ${field%%=*} ${field#*=}" >> "$RESULTS" ;;
        esac
    done
}

for entry in "${SCENARIOS[@]}"; do
    IFS='|' read -r name proto args peers <<< "$entry"
    echo "== $name ($args)"
    for peer in $peers; do
        wants $peer || continue
        if [ $QUICK = 1 ]; then
            # A short warm-up in quick mode: a fifth of the messages.
            wargs=$(echo "$args" | awk '{for (i=1;i<=NF;i++) if ($(i-1)=="--messages") $i=int($i/5); print}')
        else
            wargs=$args
        fi
        run_one $peer "$name" $proto "$wargs" warmup
    done
    for run in $(seq 1 $RUNS); do
        for peer in $peers; do
            wants $peer && run_one $peer "$name" $proto "$args" $run
        done
    done
done

for peer in "${!PIDOF[@]}"; do
    echo "rss $peer idle_kb ${IDLE_RSS[$peer]} peak_kb $(rss_kb "${PIDOF[$peer]}" VmHWM) idle_anon_kb ${IDLE_ANON[$peer]}" >> "$TMP/rss.txt"
done
cleanup


# Table: median per metric over runs; ratio = Outpost / peer.
echo
echo "Side by side, $(date -u +%Y-%m-%d), $(nproc) cores, median of $RUNS run(s)$( [ $QUICK = 1 ] && echo ', quick message counts')"
awk -v scenarios="$(for e in "${SCENARIOS[@]}"; do printf '%s ' "${e%%|*}"; done)" '
    FILENAME ~ /rss/ { idle[$2] = $4; peak[$2] = $6; anon[$2] = $8; next }
    { key = $1 SUBSEP $2 SUBSEP $4; n[key]++; v[key, n[key]] = $5; if ($4 == "ok" && $5 != 1) bad[$1, $2] = 1 }
    function median(key,   m, i, j, t, a) {
        m = n[key]; if (m == 0) return "";
        for (i = 1; i <= m; i++) a[i] = v[key, i] + 0;
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    function mib(kb) { return kb == "" ? "-" : sprintf("%.1f", kb / 1024) }
    function cell(s, p, metric,   x) { x = median(s SUBSEP p SUBSEP metric); if (x == "") return "-"; if (x >= 1000) x = sprintf("%.0f", x); return x (bad[s, p] ? "!" : "") }
    function ratio(s, p, metric,   a, b) {
        a = median(s SUBSEP "outpost" SUBSEP metric); b = median(s SUBSEP p SUBSEP metric);
        if (a == "" || b == "" || b == 0) return "-"; return sprintf("%.2f", a / b)
    }
    END {
        printf "%-26s %-18s %12s %12s %8s %12s %8s\n", "scenario", "metric", "outpost", "mosquitto", "ratio", "rabbitmq", "ratio";
        split(scenarios, list, " ");
        for (k = 1; k in list; k++) {
            s = list[k];
            split("msgs_per_s deliveries_per_s send_msgs_per_s drain_msgs_per_s p50_us p99_us confirm_p50_us confirm_p99_us disk_commit_p50_us disk_commit_p99_us broker_cpu_us_per_msg cpu_us_per_msg", metrics, " ");
            for (q = 1; q in metrics; q++) {
                mt = metrics[q];
                if (median(s SUBSEP "outpost" SUBSEP mt) == "" && median(s SUBSEP "mosquitto" SUBSEP mt) == "" && median(s SUBSEP "rabbitmq" SUBSEP mt) == "") continue;
                printf "%-26s %-18s %12s %12s %8s %12s %8s\n", s, mt, cell(s, "outpost", mt), cell(s, "mosquitto", mt), ratio(s, "mosquitto", mt), cell(s, "rabbitmq", mt), ratio(s, "rabbitmq", mt);
            }
        }
        printf "%-26s %-18s %12s %12s %8s %12s %8s\n", "broker RSS", "idle MiB", mib(idle["outpost"]), mib(idle["mosquitto"]), "", mib(idle["rabbitmq"]), "";
        printf "%-26s %-18s %12s %12s %8s %12s %8s\n", "broker RSS", "idle anon MiB", mib(anon["outpost"]), mib(anon["mosquitto"]), "", mib(anon["rabbitmq"]), "";
        printf "%-26s %-18s %12s %12s %8s %12s %8s\n", "broker RSS", "peak MiB", mib(peak["outpost"]), mib(peak["mosquitto"]), "", mib(peak["rabbitmq"]), "";
        print "(! = a run of this cell failed verification; broker_cpu_us_per_msg: the broker process, per message delivered; cpu_us_per_msg: the load tool, per message handled;"
        print " disk_commit_*: raw LMDB, one put per durable commit, measured right after each Outpost run of the scenario: the latency of the disk itself then)"
    }' "$TMP/rss.txt" "$RESULTS" | tee "$TMP/table.txt"
if [ $WRITE_DOC = 1 ] && [ -s "$RESULTS" ]; then
    Benchmarks/write-table.sh "$TMP/table.txt" \
        "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, median of $RUNS run(s)$( [ $QUICK = 1 ] && echo ', --quick message counts')"
fi
echo "raw results and logs: $TMP"
