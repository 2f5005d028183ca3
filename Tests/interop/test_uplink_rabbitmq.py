"""Debian's rabbitmq-server 3.10 (plugin rabbitmq_amqp1_0) as the uplink's AMQP 1.0 cloud peer.

RabbitMQ 3.x takes AMQP 1.0 addresses of the form `/queue/NAME`; the uplink's target terminus
is durable (unsettled-state), so the queue RabbitMQ declares is durable and survives its
restart. RabbitMQ has no dedup on `_AMQ_DUPL_ID`: a reconnect can give duplicates (at most the
messages in flight), never a loss. Started once for the module on free loopback ports and
stopped by PID (scripts/peers/rabbitmq-start, rabbitmq-stop).
"""
import subprocess

import pytest
from proton import Terminus
from proton.reactor import LinkOption
from proton.utils import BlockingConnection

from amqp_bulk import send_many
from conftest import ROOT, free_ports, wait_until
from test_uplink_amqp import ADDRESS, queue_messages
from test_uplink_mqtt import uplink_command, uplink_paused

REMOTE_QUEUE = "outpost-edge"
FORWARDING = "$uplink.default"
WINDOW = 200


class RabbitMQ:
    def __init__(self, directory):
        self.directory = directory
        self.amqp_port, self.mqtt_port = free_ports(2)

    def start(self):
        subprocess.run(
            [str(ROOT / "scripts" / "peers" / "rabbitmq-start"), str(self.directory), str(self.amqp_port), str(self.mqtt_port)],
            check=True, capture_output=True, text=True, timeout=180,
        )
        return self

    def stop(self):
        subprocess.run([str(ROOT / "scripts" / "peers" / "rabbitmq-stop"), str(self.directory)], capture_output=True, timeout=120)

    @property
    def url(self):
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}"


@pytest.fixture(scope="module")
def rabbitmq(tmp_path_factory):
    peer = RabbitMQ(tmp_path_factory.mktemp("rabbitmq")).start()
    yield peer
    peer.stop()


def edge_for(broker_factory, rabbitmq, directory, bandwidth_limit=0):
    password = directory / "rabbitmq.password"
    password.write_text("guest\n")
    return broker_factory(config_text=f"""node-id: edge-1
uplinks:
  - name: default
    url: amqp://127.0.0.1:{rabbitmq.amqp_port}
    username: guest
    password-file: {password}
    forward: ["telemetry/#"]
    remote-address: "/queue/{REMOTE_QUEUE}"
    window: {WINDOW}
    bandwidth-limit: {bandwidth_limit}
    reconnect-initial-delay: 100ms
    reconnect-max-delay: 2s
""", name="edge")


class DurableSource(LinkOption):
    """RabbitMQ declares the queue on attach; the durability must match the uplink's."""

    def apply(self, link):
        link.source.durability = Terminus.DELIVERIES


def take_all(rabbitmq, expected, timeout=60):
    """Receives from the RabbitMQ queue until `expected` distinct bodies arrived; returns
    every message (duplicates included)."""
    messages = []
    conn = BlockingConnection(rabbitmq.url, timeout=timeout)
    try:
        receiver = conn.create_receiver(f"/queue/{REMOTE_QUEUE}", credit=500, options=DurableSource())
        while len({message.body for message in messages}) < expected:
            messages.append(receiver.receive(timeout=timeout))
            receiver.accept()
    finally:
        conn.close()
    return messages


def test_backlog_reaches_rabbitmq_with_stable_ids(broker_factory, rabbitmq, tmp_path):
    edge = edge_for(broker_factory, rabbitmq, tmp_path)
    uplink_command(edge, "pause")
    wait_until(lambda: uplink_paused(edge), message="the uplink to pause")
    sent = [((index * 7) % 10, f"r-{index}") for index in range(2000)]
    send_many(edge.amqp_url, ADDRESS, sent)
    uplink_command(edge, "resume")
    wait_until(lambda: queue_messages(edge, FORWARDING) == 0, timeout=120, interval=0.2, message="the edge backlog to drain")
    messages = take_all(rabbitmq, len(sent))
    assert {message.body for message in messages} == {body for _, body in sent}
    assert len(messages) == len(sent), "RabbitMQ redelivered without a cut"
    # Every message carries the stable id a deduplicating consumer needs.
    ids = [message.properties["_AMQ_DUPL_ID"] for message in messages]
    assert all(value.startswith("edge-1:") for value in ids)
    assert len(set(ids)) == len(ids)
    priorities = {body: priority for priority, body in sent}
    assert all(message.priority == priorities[message.body] for message in messages)


def test_a_rabbitmq_restart_during_the_drain_loses_nothing(broker_factory, rabbitmq, tmp_path):
    # A bandwidth cap keeps the drain going while RabbitMQ stops.
    edge = edge_for(broker_factory, rabbitmq, tmp_path, bandwidth_limit=200_000)
    sent = [(4, f"s-{index}") for index in range(20_000)]
    uplink_command(edge, "pause")
    wait_until(lambda: uplink_paused(edge), message="the uplink to pause")
    send_many(edge.amqp_url, ADDRESS, sent)
    uplink_command(edge, "resume")
    wait_until(lambda: 0 < queue_messages(edge, FORWARDING) < len(sent), timeout=60, interval=0.02, message="the drain to start")
    rabbitmq.stop()
    left_at_cut = queue_messages(edge, FORWARDING)
    rabbitmq.start()
    wait_until(lambda: queue_messages(edge, FORWARDING) == 0, timeout=180, interval=0.2, message="the edge backlog to drain")
    messages = take_all(rabbitmq, len(sent))
    bodies = [message.body for message in messages]
    assert set(bodies) == {body for _, body in sent}, "a message was lost"
    duplicates = len(bodies) - len(set(bodies))
    # Only what was in flight at the cut can come twice.
    assert duplicates <= WINDOW, f"{duplicates} duplicates"
    assert left_at_cut > 0, "the drain finished before the cut; the test proved nothing"
    print(f"rabbitmq restart: {left_at_cut} left at the cut, {duplicates} duplicates")
