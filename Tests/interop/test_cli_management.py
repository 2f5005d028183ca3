"""The operator CLI and the management API against a running daemon."""
import json
import os
import signal
import stat
import subprocess
import time
import urllib.error
import urllib.request

from conftest import outpost_binary, free_port, wait_until


def cli(broker, *args, token=None, check=True, timeout=120):
    """Runs `outpost ARGS --url ... --data-dir ...` against `broker`; returns the CompletedProcess."""
    command = [outpost_binary(), *args, "--url", f"http://127.0.0.1:{broker.management_port}"]
    command += ["--token", token] if token is not None else ["--data-dir", str(broker.data_dir)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def stat_json(broker, queue):
    return json.loads(cli(broker, "queue", "stat", queue, "--json").stdout)


def produce(broker, queue, count):
    result = json.loads(cli(broker, "send", queue, "payload", "--count", str(count), "--json").stdout)
    assert result["count"] == count


def jsonl_ids(path):
    ids = []
    with open(path) as lines:
        for line in lines:
            record = json.loads(line)
            assert {"id", "address", "priority", "creationTime", "expiration", "deliveryCount", "properties", "body", "bodyBase64"} <= record.keys()
            ids.append(record["id"])
    return ids


def http(broker, path, token=None, method="GET"):
    request = urllib.request.Request(f"http://127.0.0.1:{broker.management_port}{path}", method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_token_file_and_open_routes(broker):
    token_path = broker.data_dir / "management.token"
    assert token_path.exists()
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    token = token_path.read_text().strip()
    assert len(token) == 64
    assert http(broker, "/healthz")[0] == 200
    assert http(broker, "/readyz")[0] == 200
    status, headers, body = http(broker, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "outpost_store_used_bytes" in body
    status, _, body = http(broker, "/api/v1/queues")
    assert status == 401 and json.loads(body)["error"] == "unauthorized"
    status, _, body = http(broker, "/api/v1/queues", token=token)
    assert status == 200 and json.loads(body) == {"queues": []}
    # The token survives a restart.
    broker.restart()
    assert (broker.data_dir / "management.token").read_text().strip() == token


def test_queue_commands(broker):
    produce(broker, "orders", 10)
    listing = cli(broker, "queue", "list").stdout
    assert "orders" in listing and "MESSAGES" in listing
    assert stat_json(broker, "orders")["messages"] == 10
    browse = json.loads(cli(broker, "queue", "browse", "orders", "--limit", "3", "--json").stdout)
    assert [m["body"] for m in browse["messages"]] == ["payload"] * 3 and browse["next"]
    assert "purged 10" in cli(broker, "queue", "purge", "orders").stdout
    cli(broker, "queue", "create", "audit", "--address", "events", "--multicast")
    audit = stat_json(broker, "audit")
    assert audit["routingType"] == "multicast" and audit["address"] == "events"
    cli(broker, "queue", "delete", "audit")
    missing = cli(broker, "queue", "stat", "audit", check=False)
    assert missing.returncode == 1 and "no queue named 'audit'" in missing.stderr
    assert "no uplinks configured" in cli(broker, "uplink", "status").stdout


def test_stat_and_partial_drain_of_10000(broker, tmp_path):
    produce(broker, "backlog", 10_000)
    assert stat_json(broker, "backlog")["messages"] == 10_000
    out = tmp_path / "f.jsonl"
    result = cli(broker, "drain", "backlog", "--max", "4000", "--to", str(out))
    assert "drained 4000 messages" in result.stderr
    assert "\r" not in result.stderr  # no progress bar when not on a terminal
    ids = jsonl_ids(out)
    assert len(ids) == 4000 and len(set(ids)) == 4000
    assert stat_json(broker, "backlog")["messages"] == 6000
    # The rest, to standard output.
    rest = cli(broker, "drain", "backlog")
    lines = [json.loads(line) for line in rest.stdout.splitlines()]
    assert len(lines) == 6000 and not set(ids) & {line["id"] for line in lines}
    assert stat_json(broker, "backlog")["messages"] == 0


def test_drain_killed_midway_loses_and_duplicates_nothing(broker, tmp_path):
    produce(broker, "backlog", 10_000)
    out = tmp_path / "f.jsonl"
    command = [outpost_binary(), "drain", "backlog", "--to", str(out), "--batch", "100", "--lease", "2s",
               "--url", f"http://127.0.0.1:{broker.management_port}", "--data-dir", str(broker.data_dir)]
    drain = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_until(lambda: out.exists() and out.stat().st_size > 0 and sum(1 for _ in open(out)) >= 2000,
               timeout=60, message="the drain to write 2000 lines")
    drain.send_signal(signal.SIGKILL)
    drain.wait()
    ids = jsonl_ids(out)
    assert len(ids) == len(set(ids)), "an id is twice in the file"
    assert 2000 <= len(ids) < 10_000
    # The queue still counts what the killed drain had leased but not acknowledged.
    left = stat_json(broker, "backlog")["messages"]
    # Nothing lost; at most the one batch between fsync and ack is in both places.
    assert 10_000 <= len(ids) + left <= 10_000 + 100
    # The lease expires and its batch goes back, not counted as a delivery attempt.
    wait_until(lambda: stat_json(broker, "backlog")["inFlight"] == 0, timeout=20, message="the lease to expire")
    # Running the same drain again finishes the job: every message exactly once.
    cli(broker, "drain", "backlog", "--to", str(out))
    ids = jsonl_ids(out)
    assert len(ids) == 10_000 and len(set(ids)) == 10_000
    assert stat_json(broker, "backlog")["messages"] == 0


def test_wrong_token_and_no_daemon_are_clear_errors(broker):
    wrong = cli(broker, "queue", "list", token="0" * 64, check=False)
    assert wrong.returncode == 1
    assert "401" in wrong.stderr and "token" in wrong.stderr
    port = free_port()
    down = subprocess.run([outpost_binary(), "queue", "list", "--url", f"http://127.0.0.1:{port}", "--token", "x"],
                          capture_output=True, text=True, timeout=30)
    assert down.returncode == 1
    assert "is the daemon running" in down.stderr.lower() and str(port) in down.stderr


def test_usage_errors_exit_2(broker):
    result = subprocess.run([outpost_binary(), "queue", "browse", "q", "--limit", "0", "--token", "x"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    result = subprocess.run([outpost_binary(), "drain"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2


def test_export_refused_while_the_daemon_runs(broker, tmp_path):
    result = subprocess.run([outpost_binary(), "data", "export", "--data-dir", str(broker.data_dir), "--to", str(tmp_path / "x.jsonl")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "in use by another outpost process" in result.stderr
    assert "Stop the daemon" in result.stderr
    assert not (tmp_path / "x.jsonl").exists()


def test_export_import_moves_a_backlog_between_data_directories(broker_factory, tmp_path):
    first = broker_factory(name="first")
    produce(first, "orders", 300)
    json.loads(cli(first, "send", "orders", "urgent", "--priority", "9", "--count", "5", "--json").stdout)
    produce(first, "telemetry", 50)
    before = json.loads(cli(first, "queue", "browse", "orders", "--limit", "5000", "--json").stdout)["messages"]
    assert first.stop() == 0

    archive = tmp_path / "backlog.jsonl"
    export = subprocess.run([outpost_binary(), "data", "export", "--data-dir", str(first.data_dir), "--to", str(archive)],
                            capture_output=True, text=True, timeout=60)
    assert export.returncode == 0, export.stderr
    assert "exported 355 messages" in export.stderr

    second_dir = tmp_path / "second" / "data"
    second_dir.parent.mkdir(parents=True)
    imported = subprocess.run([outpost_binary(), "data", "import", str(archive), "--data-dir", str(second_dir)],
                              capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr
    assert "imported 355 messages" in imported.stderr

    second = broker_factory(name="second")
    # broker_factory made its own directory; start one on the imported directory instead.
    second.stop()
    second.data_dir = second_dir
    second.start()
    assert stat_json(second, "orders")["messages"] == 305
    assert stat_json(second, "telemetry")["messages"] == 50
    after = json.loads(cli(second, "queue", "browse", "orders", "--limit", "5000", "--json").stdout)["messages"]
    key = lambda m: (m["body"], m["priority"], m["creationTime"], m["expiration"])
    assert [key(m) for m in after] == [key(m) for m in before]
    assert after[0]["priority"] == 9
