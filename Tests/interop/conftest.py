"""Fixtures for black-box tests: the built `outpost` binary started on free ports.

Every test gets its own data directory and ports; `broker.restart()` stops and
starts the same node (graceful), `broker.kill9()` simulates a crash.
"""
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def outpost_binary() -> str:
    explicit = os.environ.get("OUTPOST_BINARY")
    if explicit:
        return explicit
    for candidate in (ROOT / ".build" / "debug" / "outpost", ROOT / ".build" / "release" / "outpost"):
        if candidate.exists():
            return str(candidate)
    raise RuntimeError("outpost binary not found: run `swift build` first (or set OUTPOST_BINARY)")


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list:
    """Distinct free ports: the probes stay bound until all are chosen, so the kernel cannot
    hand out one port twice (one at a time, it did: a broker given the same port for AMQP and
    management failed to start)."""
    probes = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def wait_until(condition, timeout=15.0, interval=0.01, message="condition"):
    """Polls `condition` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


class OutpostNode:
    """One broker process with its own data directory and ports."""

    def __init__(self, data_dir: Path, extra_args=None, config_text=None):
        self.data_dir = data_dir
        self.amqp_port, self.mqtt_port, self.management_port = free_ports(3)
        self.extra_args = list(extra_args or [])
        self.config_path = None
        if config_text is not None:
            self.config_path = data_dir.parent / "outpost.yaml"
            self.config_path.parent.mkdir(parents=True, exist_ok=True)
            self.config_path.write_text(config_text)
        self.process = None
        self.output = []
        self._reader = None

    @property
    def amqp_url(self) -> str:
        return f"amqp://127.0.0.1:{self.amqp_port}"

    def start(self):
        args = [
            outpost_binary(), "run",
            "--data-dir", str(self.data_dir),
            "--amqp-port", str(self.amqp_port),
            "--mqtt-port", str(self.mqtt_port),
            "--management-port", str(self.management_port),
        ] + self.extra_args
        if self.config_path is not None:
            args += ["--config", str(self.config_path)]
        self.output = []
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, args=(self.process,), daemon=True)
        self._reader.start()
        wait_until(lambda: self.ready or self.process.poll() is not None, message="outpost ready")
        if not self.ready:
            raise RuntimeError("outpost did not start:\n" + self.log)
        return self

    def _read(self, process):
        for line in process.stdout:
            self.output.append(line)

    @property
    def ready(self) -> bool:
        return any("outpost ready" in line for line in self.output)

    @property
    def log(self) -> str:
        return "".join(self.output)

    def stop(self, timeout=20):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("outpost did not stop on SIGTERM:\n" + self.log)
        return self.process.returncode if self.process else None

    def kill9(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def restart(self):
        self.stop()
        return self.start()

    def queue_stat(self, name):
        """The broker's own view of a queue through the management API (None if absent)."""
        import json
        import urllib.error
        import urllib.parse
        import urllib.request
        token = (self.data_dir / "management.token").read_text().strip()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.management_port}/api/v1/queues/{urllib.parse.quote(name, safe='')}",
            headers={"Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def assert_alive(self):
        assert self.process.poll() is None, "outpost exited:\n" + self.log


@pytest.fixture
def broker_factory(tmp_path):
    nodes = []

    def make(extra_args=None, config_text=None, name="node"):
        node = OutpostNode(tmp_path / name / "data", extra_args=extra_args, config_text=config_text)
        node.data_dir.parent.mkdir(parents=True, exist_ok=True)
        nodes.append(node)
        return node.start()

    yield make
    for node in nodes:
        try:
            node.stop()
        except Exception:
            node.kill9()


@pytest.fixture
def broker(broker_factory):
    """A running broker with default settings on free ports."""
    return broker_factory()
