#!/bin/bash
# MQTT A/B: two (or more) Outpost binaries and mosquitto, alternating run by run, one fresh broker per
# run, on one scenario. For comparing a change against its base in the same session (absolute
# figures drift a lot on a shared machine; ratios between neighbouring runs much less).
#
#   Benchmarks/mqtt-ab.sh [--rounds N] [--qos Q] [--publishers P] [--subscribers S] [--messages K] \
#       [--version 3.1.1|5] BROKER...   # BROKER: a path to an `outpost` binary, or `mosquitto`
#
# One line per run: deliveries/s, latency p50, broker CPU (utime + stime from /proc/PID/stat over the
# run) per delivery, received, ok. The load tool is Benchmarks' outpost-mqtt-bench (release, in
# ../.build-bench unless MQTT_BENCH says otherwise). Every process it starts is stopped by PID.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MQTT_BENCH=${MQTT_BENCH:-$ROOT/.build-bench/release/outpost-mqtt-bench}
rounds=3 qos=0 publishers=1 subscribers=1 messages=100000 version=3.1.1
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --qos) qos=$2; shift 2 ;;
        --publishers) publishers=$2; shift 2 ;;
        --subscribers) subscribers=$2; shift 2 ;;
        --messages) messages=$2; shift 2 ;;
        --version) version=$2; shift 2 ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || { sed -n 2,12p "$0"; exit 2; }
[ -x "$MQTT_BENCH" ] || { echo "no load tool at $MQTT_BENCH (see Benchmarks/README.md)"; exit 2; }

TMP=$(mktemp -d /tmp/outpost-mqtt-ab.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null; }
trap cleanup EXIT INT TERM
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; }
wait_port() {
    for _ in $(seq 1 100); do
        (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
        kill -0 "$PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
port=$((20000 + RANDOM % 20000))
deliveries=$((messages * publishers * subscribers))
for round in $(seq 1 "$rounds"); do
    index=0
    for broker in "$@"; do
        index=$((index + 1))
        while ! (port_free $port && port_free $((port + 1))); do port=$((port + 2)); done
        # The position keeps two binaries of the same name apart (each run gets a fresh directory).
        dir=$TMP/run-$round-$index-$(basename "$broker")
        mkdir -p "$dir"
        if [ "$broker" = mosquitto ]; then
            PID=$("$ROOT/scripts/peers/mosquitto-start" "$dir" $port) || { echo "mosquitto did not start"; exit 1; }
        else
            "$broker" run --data-dir "$dir/data" --mqtt-port $port --amqp-port $((port + 1)) --management-port 0 \
                > "$dir/broker.log" 2>&1 &
            PID=$!
            wait_port $port || { echo "outpost did not start; see $dir/broker.log"; exit 1; }
        fi
        read -r user0 system0 < <(awk '{print $14, $15}' /proc/$PID/stat)
        "$MQTT_BENCH" --port $port --qos "$qos" --publishers "$publishers" --subscribers "$subscribers" \
            --messages "$messages" --version "$version" > "$dir/bench.txt" 2>&1
        read -r user1 system1 < <(awk '{print $14, $15}' /proc/$PID/stat)
        kill -TERM $PID
        for _ in $(seq 1 50); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done
        kill -KILL $PID 2>/dev/null
        PID=
        ticks=$(( (user1 - user0) + (system1 - system0) ))
        result=$(grep RESULT "$dir/bench.txt")
        field() { echo "$result" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
        cpu=$(awk -v t=$ticks -v hz="$(getconf CLK_TCK)" -v n=$deliveries 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
        echo "round=$round broker=$index:$(basename "$broker") mqtt=$version qos=$qos ${publishers}x${subscribers}" \
            "deliveries_per_s=$(field deliveries_per_s) p50_us=$(field p50_us) cpu_us_per_delivery=$cpu" \
            "received=$(field received) ok=$(field ok)"
        port=$((port + 2))
    done
done
echo "runs kept in $TMP"
