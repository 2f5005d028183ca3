#!/bin/bash
# Uplink drain benchmark (issue 5): an edge Outpost drains a backlog of N durable 1 KiB
# messages to a cloud Outpost over loopback; msgs/s, MB/s, and the edge's memory meanwhile.
#
#   Benchmarks/drain.sh [--messages N] [--quick] [--skip-build] [--window W] [--batch B]
#                       [--profile DIR] [--keep]
#   (environment: OUTPOST_SRC=DIR builds Outpost from DIR instead of this checkout;
#    OUTPOST_BINARY=PATH runs that outpost binary and builds only the load tool)
#
# --messages N (1000000; --quick: 100000). --window / --batch: the uplink's `window` and
# `batch-max-messages` (defaults 1000 / 500, the product's). --profile DIR: `perf record -g`
# of the edge and of the cloud for 10 s from the start of the drain, into DIR (slows the
# drain; do not quote those figures). --keep: keep the temporary directory (logs, samples).
#
# Builds Outpost release (scratch .build-release-bench) and outpost-amqp-bench (scratch
# .build-bench), then, on 127.0.0.1 with temporary data directories:
#  1. reference: a cloud Outpost alone; outpost-amqp-bench --scenario backlog, 1 sender,
#     window 1000, N durable 1 KiB messages: its send rate is the peer's ingest rate alone
#     (measured before the drain and again after it, on fresh nodes; the mean is the reference);
#  2. a fresh cloud, and an edge whose uplink `drain` forwards `bench/#` to it; the uplink is
#     paused and the edge filled with outpost-amqp-bench (N messages to bench/drain-SUFFIX;
#     the tool also drains its local copy, so $uplink.drain alone keeps the backlog);
#  3. resume: wall time until the cloud's queue holds N (polled every 100 ms), edge VmRSS /
#     RssAnon / RssFile every 0.5 s, edge VmHWM over the drain (reset before it), CPU of both;
#  4. checks the cloud holds exactly N and nothing was rejected (exit 1 otherwise).
# Every process it starts is stopped by PID; the temporary directory is removed at the end.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MESSAGES=1000000
SKIP_BUILD=0
WINDOW=1000
BATCH=500
PROFILE_DIR=""
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --messages) MESSAGES=$2; shift ;;
        --quick) MESSAGES=100000 ;;
        --skip-build) SKIP_BUILD=1 ;;
        --window) WINDOW=$2; shift ;;
        --batch) BATCH=$2; shift ;;
        --profile) PROFILE_DIR=$2; shift ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n "2,27p" "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
case "$MESSAGES" in ''|*[!0-9]*) echo "--messages needs a number" >&2; exit 2 ;; esac

OUTPOST_SRC=${OUTPOST_SRC:-$ROOT}
RELEASE_SCRATCH=$ROOT/.build-release-bench
BENCH_SCRATCH=$ROOT/.build-bench
OUTPOST=${OUTPOST_BINARY:-$RELEASE_SCRATCH/release/outpost}
AMQP_BENCH=$BENCH_SCRATCH/release/outpost-amqp-bench
SIZE=1024
UPLINK=drain

if [ $SKIP_BUILD = 0 ]; then
    echo "== building outpost (release) and outpost-amqp-bench (release)"
    if [ -z "${OUTPOST_BINARY:-}" ]; then
        (cd "$OUTPOST_SRC" && swift build -c release --product outpost --scratch-path "$RELEASE_SCRATCH") || exit 1
    fi
    (cd Benchmarks && swift build -c release --scratch-path "$BENCH_SCRATCH" --product outpost-amqp-bench) || exit 1
fi
[ -x "$OUTPOST" ] && [ -x "$AMQP_BENCH" ] || { echo "missing $OUTPOST or $AMQP_BENCH (build first)" >&2; exit 1; }
if [ -n "$PROFILE_DIR" ]; then
    command -v perf > /dev/null || { echo "--profile needs perf" >&2; exit 2; }
    mkdir -p "$PROFILE_DIR" || exit 2
fi

TMP=$(mktemp -d /tmp/outpost-drain.XXXXXX)
PIDS=()          # every process started here, stopped by PID in cleanup
cleanup() {
    local pid i
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    PIDS=()
    if [ -n "$TMP" ]; then
        if [ $KEEP = 1 ]; then echo "kept: $TMP"; else rm -rf "$TMP"; fi
        TMP=""
    fi
}
trap cleanup EXIT
trap 'echo "interrupted: stopping everything" >&2; cleanup; exit 130' INT TERM

fail() {
    echo "FAIL: $*" >&2
    local log
    for log in "$TMP"/*.log; do [ -f "$log" ] && { echo "--- tail of $log" >&2; tail -15 "$log" >&2; }; done
    exit 1
}

# Nine free loopback ports, all bound at once so that none repeats.
read -r REF_AMQP REF_MQTT REF_MGMT CLOUD_AMQP CLOUD_MQTT CLOUD_MGMT EDGE_AMQP EDGE_MQTT EDGE_MGMT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(9)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')

# start_outpost NAME AMQP MQTT MGMT [extra args]: starts a node with data dir $TMP/NAME, sets
# STARTED_PID once its log says "outpost ready".
start_outpost() {
    local name=$1 amqp=$2 mqtt=$3 mgmt=$4 i=0
    shift 4
    mkdir -p "$TMP/$name"
    "$OUTPOST" run --data-dir "$TMP/$name" --bind 127.0.0.1 --amqp-port "$amqp" --mqtt-port "$mqtt" \
        --management-port "$mgmt" "$@" > "$TMP/$name.log" 2>&1 &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
    while ! grep -q "outpost ready" "$TMP/$name.log"; do
        kill -0 "$STARTED_PID" 2>/dev/null || fail "$name exited at start"
        [ $i -ge 600 ] && fail "$name not ready after 60 s"
        sleep 0.1; i=$((i + 1))
    done
}
# in_background OUT CMD...: runs CMD with its output in OUT as a listed child and waits for it;
# `wait` returns at once on a trapped signal, so Ctrl-C or kill stops everything promptly.
in_background() {
    local out=$1 pid status
    shift
    "$@" > "$out" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait "$pid"
    status=$?
    forget "$pid"
    return $status
}
# forget PID: a process that has ended leaves the cleanup list.
forget() {
    local p rest=()
    for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && rest+=("$p"); done
    PIDS=("${rest[@]}")
}
# stop_outpost PID: SIGTERM, wait (graceful: pending commits complete).
stop_outpost() {
    local pid=$1 i=0
    kill -TERM "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    forget "$pid"
}
# api NAME MGMT METHOD PATH: one management call (token from the node's data dir), JSON out.
api() {
    curl -sf -X "$3" -H "Authorization: Bearer $(cat "$TMP/$1/management.token")" "http://127.0.0.1:$2$4"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
result_field() { grep '^RESULT' "$1" | tail -1 | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }

echo "== $(date -u '+%Y-%m-%d %H:%M:%S') UTC, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $MESSAGES messages of $SIZE B"

# reference LABEL: the peer's own ingest rate, alone (a fresh node; its send-phase msgs/s in REF_RATE).
reference() {
    echo "== reference ($1): cloud Outpost alone, outpost-amqp-bench durable $SIZE B, 1 sender, window 1000, backlog scenario"
    start_outpost ref "$REF_AMQP" "$REF_MQTT" "$REF_MGMT"
    local pid=$STARTED_PID status
    in_background "$TMP/reference-$1.out" timeout 1800 "$AMQP_BENCH" --url "amqp://127.0.0.1:$REF_AMQP" \
        --address bench/ref --durable --size $SIZE --senders 1 --receivers 1 --window 1000 --scenario backlog \
        --messages "$MESSAGES" --label "peer-alone-$1"
    status=$?
    sed 's/^/   /' "$TMP/reference-$1.out"
    [ $status = 0 ] && [ "$(result_field "$TMP/reference-$1.out" ok)" = 1 ] || fail "reference run ($1) failed (exit $status)"
    REF_RATE=$(result_field "$TMP/reference-$1.out" send_msgs_per_s)
    stop_outpost "$pid"
    rm -rf "$TMP/ref" "$TMP/ref.log"
}

# 1. The peer's ingest rate alone (again after the drain: the machine's load may change).
reference before
PEER_BEFORE=$REF_RATE

# 2. A fresh cloud, an edge with a paused uplink, the backlog.
start_outpost cloud "$CLOUD_AMQP" "$CLOUD_MQTT" "$CLOUD_MGMT"
CLOUD_PID=$STARTED_PID
cat > "$TMP/edge.yaml" <<EOF
node-id: edge-bench
uplinks:
  - name: $UPLINK
    url: amqp://127.0.0.1:$CLOUD_AMQP
    forward: ["bench/#"]
    window: $WINDOW
    batch-max-messages: $BATCH
EOF
start_outpost edge "$EDGE_AMQP" "$EDGE_MQTT" "$EDGE_MGMT" --config "$TMP/edge.yaml"
EDGE_PID=$STARTED_PID
api edge "$EDGE_MGMT" POST "/api/v1/uplinks/$UPLINK/pause" > /dev/null || fail "pausing the uplink"
i=0
until [ "$(api edge "$EDGE_MGMT" GET "/api/v1/uplinks/$UPLINK" | json 'd["state"]')" = paused ]; do
    [ $i -ge 100 ] && fail "uplink not paused after 10 s"
    sleep 0.1; i=$((i + 1))
done

echo "== filling the edge (uplink paused): $MESSAGES durable $SIZE B messages to bench/drain-SUFFIX"
FILL_START=$(date +%s.%N)
in_background "$TMP/fill.out" timeout 3600 "$AMQP_BENCH" --url "amqp://127.0.0.1:$EDGE_AMQP" --address bench/drain \
    --durable --size $SIZE --senders 1 --receivers 1 --window 1000 --scenario backlog --messages "$MESSAGES" --label edge-fill
FILL_STATUS=$?
sed 's/^/   /' "$TMP/fill.out"
[ $FILL_STATUS = 0 ] && [ "$(result_field "$TMP/fill.out" ok)" = 1 ] || fail "filling the edge failed (exit $FILL_STATUS)"
ADDRESS=$(grep -oE 'bench/drain-[0-9a-f]+' "$TMP/fill.out" | head -1)
[ -n "$ADDRESS" ] || fail "no address in the fill output"
FORWARD_QUEUE="\$uplink.$UPLINK"
ENC_ADDRESS=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$ADDRESS")
ENC_FORWARD=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$FORWARD_QUEUE")
# Quiet edge before the drain: the backlog complete, the local copy gone (its acks committed).
i=0
while :; do
    backlog=$(api edge "$EDGE_MGMT" GET "/api/v1/queues/$ENC_FORWARD" | json 'd["messages"]')
    local_left=$(api edge "$EDGE_MGMT" GET "/api/v1/queues/$ENC_ADDRESS" | json 'd["messages"] + d["inFlight"]')
    [ "$backlog" = "$MESSAGES" ] && [ "$local_left" = 0 ] && break
    [ $i -ge 600 ] && fail "edge not settled after the fill: $FORWARD_QUEUE $backlog, $ADDRESS $local_left"
    sleep 0.1; i=$((i + 1))
done
echo "   filled in $(awk -v s="$FILL_START" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}') s; $FORWARD_QUEUE holds $backlog, edge data.mdb $(du -m "$TMP/edge/data.mdb" | cut -f1) MiB"

# 3. The drain, watched from outside.
echo 5 > "/proc/$EDGE_PID/clear_refs" 2>/dev/null && HWM_RESET=1 || HWM_RESET=0   # VmHWM := VmRSS
PERF_PIDS=()
if [ -n "$PROFILE_DIR" ]; then
    perf record -g -F 499 -p "$EDGE_PID" -o "$PROFILE_DIR/perf-edge.data" -- sleep 10 > "$PROFILE_DIR/perf-edge.log" 2>&1 &
    PERF_PIDS+=($!); PIDS+=($!)
    perf record -g -F 499 -p "$CLOUD_PID" -o "$PROFILE_DIR/perf-cloud.data" -- sleep 10 > "$PROFILE_DIR/perf-cloud.log" 2>&1 &
    PERF_PIDS+=($!); PIDS+=($!)
    sleep 0.5   # perf attaches
fi
echo "== draining: resume uplink $UPLINK, poll the cloud's $ADDRESS every 100 ms, edge RSS every 0.5 s (edge PID $EDGE_PID, cloud PID $CLOUD_PID)"
cat > "$TMP/monitor.py" <<'PYEOF'
import json, os, sys, time, urllib.error, urllib.parse, urllib.request
n, edge_pid, cloud_pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
edge_mgmt, cloud_mgmt = int(sys.argv[4]), int(sys.argv[5])
edge_token, cloud_token = open(sys.argv[6]).read().strip(), open(sys.argv[7]).read().strip()
uplink, address, samples_path = sys.argv[8], sys.argv[9], sys.argv[10]
ticks = os.sysconf("SC_CLK_TCK")

def call(port, token, method, path):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     headers={"Authorization": f"Bearer {token}"}, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise

def queue_messages(port, token, name, previous):
    # A slow or failed answer (a loaded machine) keeps the previous figure; the stall check decides.
    try:
        stat = call(port, token, "GET", "/api/v1/queues/" + urllib.parse.quote(name, safe=""))
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError):
        return previous
    return 0 if stat is None else stat["messages"]

def gone(pid):
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        return True

def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    return fields

def commits(port):
    # outpost_store_commits_total from /metrics (no token needed).
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("outpost_store_commits_total "):
                return float(line.split()[1])
    return 0.0

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / ticks

samples = open(samples_path, "w")
samples.write("# t_s cloud_messages edge_backlog VmRSS_kB RssAnon_kB RssFile_kB\n")
before = status(edge_pid)
edge_cpu0, cloud_cpu0 = cpu_seconds(edge_pid), cpu_seconds(cloud_pid)
edge_commits0, cloud_commits0 = commits(edge_mgmt), commits(cloud_mgmt)
forward_queue = f"$uplink.{uplink}"
t0 = time.monotonic()
call(edge_mgmt, edge_token, "POST", f"/api/v1/uplinks/{uplink}/resume")
rss = [before]
t_cloud = t_edge = None
tenths = []  # seconds at which the cloud held 10 %, 20 %, ... of n
cloud = 0
backlog = n
last_progress, last_count = t0, -1
next_rss = t0 + 0.5
while True:
    now = time.monotonic()
    for name, pid in (("edge", edge_pid), ("cloud", cloud_pid)):
        if gone(pid):
            print(f"EXITED the {name} (PID {pid}) is gone after {now - t0:.1f} s of drain: cloud held {cloud}, edge backlog {backlog}")
            sys.exit(1)
    if now >= next_rss:
        s = status(edge_pid)
        rss.append(s)
        samples.write(f"{now - t0:.2f} {cloud} {backlog} {s['VmRSS']} {s['RssAnon']} {s['RssFile']}\n")
        samples.flush()
        next_rss += 0.5
    cloud = queue_messages(cloud_mgmt, cloud_token, address, cloud)
    while len(tenths) < 10 and cloud >= n * (len(tenths) + 1) // 10:
        tenths.append(time.monotonic() - t0)
    if t_cloud is None and cloud >= n:
        t_cloud = time.monotonic() - t0
        cloud_cpu1 = cpu_seconds(cloud_pid)
        cloud_commits1 = commits(cloud_mgmt)
    backlog = queue_messages(edge_mgmt, edge_token, forward_queue, backlog)
    if t_edge is None and backlog == 0:
        t_edge = time.monotonic() - t0
        edge_cpu1 = cpu_seconds(edge_pid)
        edge_commits1 = commits(edge_mgmt)
    if t_cloud is not None and t_edge is not None:
        break
    if cloud + (n - backlog) != last_count:
        last_count, last_progress = cloud + (n - backlog), time.monotonic()
    elif time.monotonic() - last_progress > 60:
        print(f"STALLED cloud={cloud} edge_backlog={backlog}")
        sys.exit(1)
    time.sleep(0.1)
after = status(edge_pid)
rss.append(after)
samples.write(f"{time.monotonic() - t0:.2f} {cloud} {backlog} {after['VmRSS']} {after['RssAnon']} {after['RssFile']}\n")
# msgs/s over each tenth of the backlog: does the rate hold as the drain goes on?
previous, rates = 0.0, []
for t in tenths:
    rates.append(f"{n / 10 / max(t - previous, 1e-6):.0f}")
    previous = t
print("TENTHS " + " ".join(rates))
print("DRAIN " + " ".join(f"{k}={v}" for k, v in {
    "seconds": f"{t_cloud:.3f}", "edge_empty_seconds": f"{t_edge:.3f}",
    "rss_start_kb": before["VmRSS"], "rss_max_kb": max(s["VmRSS"] for s in rss), "rss_end_kb": after["VmRSS"],
    "anon_start_kb": before["RssAnon"], "anon_max_kb": max(s["RssAnon"] for s in rss), "anon_end_kb": after["RssAnon"],
    "file_start_kb": before["RssFile"], "file_max_kb": max(s["RssFile"] for s in rss), "file_end_kb": after["RssFile"],
    "hwm_kb": after["VmHWM"], "samples": len(rss),
    "edge_cpu_s": f"{edge_cpu1 - edge_cpu0:.2f}", "cloud_cpu_s": f"{cloud_cpu1 - cloud_cpu0:.2f}",
    "edge_commits": f"{edge_commits1 - edge_commits0:.0f}", "cloud_commits": f"{cloud_commits1 - cloud_commits0:.0f}",
}.items()))
PYEOF
in_background "$TMP/monitor.out" python3 "$TMP/monitor.py" "$MESSAGES" "$EDGE_PID" "$CLOUD_PID" "$EDGE_MGMT" "$CLOUD_MGMT" \
    "$TMP/edge/management.token" "$TMP/cloud/management.token" "$UPLINK" "$ADDRESS" "$TMP/samples.txt"
MONITOR_STATUS=$?
[ $MONITOR_STATUS = 0 ] || { cat "$TMP/monitor.out"; fail "drain monitor failed"; }
DRAIN_LINE=$(grep '^DRAIN' "$TMP/monitor.out")
d() { echo "$DRAIN_LINE" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
for pid in "${PERF_PIDS[@]}"; do wait "$pid" 2>/dev/null; forget "$pid"; done

# 4. Exactly N on the cloud, nothing rejected or left on the edge.
CLOUD_STAT=$(api cloud "$CLOUD_MGMT" GET "/api/v1/queues/$ENC_ADDRESS")
CLOUD_COUNT=$(echo "$CLOUD_STAT" | json 'd["messages"]')
CLOUD_ENQUEUED=$(echo "$CLOUD_STAT" | json 'd.get("enqueuedTotal", -1)')
UPLINK_STAT=$(api edge "$EDGE_MGMT" GET "/api/v1/uplinks/$UPLINK")
SENT=$(echo "$UPLINK_STAT" | json 'd.get("sentTotal", d.get("forwardedTotal"))')
REJECTED=$(echo "$UPLINK_STAT" | json 'd["rejectedTotal"]')
DLQ=$(api edge "$EDGE_MGMT" GET "/api/v1/queues/$(python3 -c 'import urllib.parse, sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$FORWARD_QUEUE.dlq")" \
    | json 'd["messages"]' 2>/dev/null || echo 0)
HWM_LIFE_NOTE=$([ $HWM_RESET = 1 ] && echo "reset at the start of the drain" || echo "whole process life: reset failed")
echo "   cloud $ADDRESS: messages $CLOUD_COUNT, enqueuedTotal $CLOUD_ENQUEUED; uplink sentTotal $SENT, rejectedTotal $REJECTED, dlq ${DLQ:-0}"
if [ "$CLOUD_COUNT" != "$MESSAGES" ] || [ "$REJECTED" != 0 ] || [ "${DLQ:-0}" != 0 ]; then
    fail "the cloud holds $CLOUD_COUNT of $MESSAGES messages (rejected $REJECTED, dead-lettered ${DLQ:-0})"
fi

stop_outpost "$EDGE_PID"
stop_outpost "$CLOUD_PID"
rm -rf "$TMP/edge" "$TMP/cloud"
reference after
PEER_AFTER=$REF_RATE
PEER_ALONE=$(awk -v a="$PEER_BEFORE" -v b="$PEER_AFTER" 'BEGIN {printf "%.0f", (a + b) / 2}')

SECONDS_DRAIN=$(d seconds)
awk -v n="$MESSAGES" -v size=$SIZE -v t="$SECONDS_DRAIN" -v te="$(d edge_empty_seconds)" -v peer="$PEER_ALONE" \
    -v rs="$(d rss_start_kb)" -v rm="$(d rss_max_kb)" -v re="$(d rss_end_kb)" -v hwm="$(d hwm_kb)" \
    -v as="$(d anon_start_kb)" -v am="$(d anon_max_kb)" -v ae="$(d anon_end_kb)" \
    -v fs="$(d file_start_kb)" -v fm="$(d file_max_kb)" -v fe="$(d file_end_kb)" \
    -v ecpu="$(d edge_cpu_s)" -v ccpu="$(d cloud_cpu_s)" -v ecom="$(d edge_commits)" -v ccom="$(d cloud_commits)" -v samples="$(d samples)" -v hwmnote="$HWM_LIFE_NOTE" \
    -v window="$WINDOW" -v batch="$BATCH" -v before="$PEER_BEFORE" -v after="$PEER_AFTER" \
    -v tenths="$(grep '^TENTHS' "$TMP/monitor.out" | cut -d' ' -f2-)" 'BEGIN {
    rate = n / t; mb = n * size / t / 1e6
    printf "\nUplink drain, %d x %d B durable, Outpost -> Outpost over loopback (window %d, batch %d)\n", n, size, window, batch
    printf "  drain                 %.3f s until the cloud held all %d (edge queue empty at %.3f s)\n", t, n, te
    printf "  drain rate            %.0f msgs/s, %.1f MB/s of bodies (MB = 10^6 B)\n", rate, mb
    printf "  by tenth of backlog   %s msgs/s\n", tenths
    printf "  peer alone (ingest)   %.0f msgs/s: mean of %.0f before and %.0f after the drain (outpost-amqp-bench, 1 sender, window 1000)\n", peer, before, after
    printf "  drain / peer alone    %.3f\n", rate / peer
    printf "  target >= 50,000/s    %s\n", (rate >= 50000 ? "MET" : "MISSED")
    printf "  edge CPU              %.1f s = %.1f us/msg (%.0f%% of one core); cloud CPU %.1f s = %.1f us/msg (%.0f%%)\n", ecpu, ecpu / n * 1e6, ecpu / t * 100, ccpu, ccpu / n * 1e6, ccpu / t * 100
    printf "  store commits         cloud %d (%.1f msgs/commit), edge %d (%.1f acks/commit)\n", ccom, n / (ccom > 0 ? ccom : 1), ecom, n / (ecom > 0 ? ecom : 1)
    printf "  edge VmRSS  (MiB)     start %.1f, max %.1f, end %.1f (%d samples, 0.5 s apart)\n", rs / 1024, rm / 1024, re / 1024, samples
    printf "  edge RssAnon (MiB)    start %.1f, max %.1f, end %.1f\n", as / 1024, am / 1024, ae / 1024
    printf "  edge RssFile (MiB)    start %.1f, max %.1f, end %.1f (file-backed: LMDB map pages, the binary; reclaimable)\n", fs / 1024, fm / 1024, fe / 1024
    printf "  edge VmHWM  (MiB)     %.1f (%s)\n", hwm / 1024, hwmnote
    printf "RESULT tool=drain messages=%d drain_s=%.3f drain_msgs_per_s=%.0f drain_mb_per_s=%.1f peer_alone_msgs_per_s=%.0f ratio=%.3f rss_start_kb=%d rss_max_kb=%d rss_end_kb=%d anon_start_kb=%d anon_max_kb=%d anon_end_kb=%d hwm_kb=%d edge_cpu_us_per_msg=%.1f cloud_cpu_us_per_msg=%.1f ok=1\n", n, t, rate, mb, peer, rate / peer, rs, rm, re, as, am, ae, hwm, ecpu / n * 1e6, ccpu / n * 1e6
}'
if [ -n "$PROFILE_DIR" ]; then
    echo "profiles: perf report --stdio --no-children -i $PROFILE_DIR/perf-edge.data (and perf-cloud.data) | swift demangle --simplified"
fi
exit 0
