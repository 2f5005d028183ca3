"""Store-and-forward from one Outpost to another over AMQP 1.0 (the uplink's AMQP client role).

The edge runs `--uplink amqp://cloud --forward 'telemetry/#'`; producers send to the edge with
python-qpid-proton while the cloud is down; a proton receiver on the cloud sees what arrives.
"""
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from proton import Condition, Message
from proton.handlers import MessagingHandler
from proton.reactor import Container
from proton.utils import BlockingConnection

from conftest import free_port, wait_until

ADDRESS = "telemetry/plant-1/temp"


def queue_messages(node, queue):
    """Messages in `queue` of `node` via the management API (0 when it does not exist yet)."""
    token = (node.data_dir / "management.token").read_text().strip()
    name = urllib.parse.quote(queue, safe="")
    request = urllib.request.Request(
        f"http://127.0.0.1:{node.management_port}/api/v1/queues/{name}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["messages"]
    except (urllib.error.URLError, ConnectionError, OSError):
        return 0


def produce(node, count, priorities=(1, 4, 9)):
    """Sends `count` durable messages with rotating priorities; returns [(priority, body)]."""
    sent = []
    conn = BlockingConnection(node.amqp_url, timeout=30)
    try:
        sender = conn.create_sender(ADDRESS)
        for index in range(count):
            priority = priorities[index % len(priorities)]
            body = f"m-{index}"
            sender.send(Message(body=body, priority=priority, durable=True))
            sent.append((priority, body))
    finally:
        conn.close()
    return sent


def receive_all(node, count, timeout=60, address=ADDRESS):
    """Receives and accepts `count` messages from `address`; returns their bodies in order."""
    bodies = []
    conn = BlockingConnection(node.amqp_url, timeout=timeout)
    try:
        receiver = conn.create_receiver(address, credit=200)
        while len(bodies) < count:
            message = receiver.receive(timeout=timeout)
            bodies.append(message.body)
            receiver.accept()
    finally:
        conn.close()
    return bodies


def edge_and_stopped_cloud(broker_factory):
    cloud = broker_factory(name="cloud")
    cloud.stop()
    edge = broker_factory(extra_args=["--uplink", f"amqp://127.0.0.1:{cloud.amqp_port}", "--forward", "telemetry/#"], name="edge")
    return edge, cloud


def test_backlog_made_while_the_cloud_is_down_arrives_in_priority_then_fifo_order(broker_factory):
    edge, cloud = edge_and_stopped_cloud(broker_factory)
    sent = produce(edge, 1000)
    cloud.start()
    wait_until(lambda: queue_messages(cloud, ADDRESS) >= 1000, timeout=120, interval=0.5, message="1000 messages on the cloud")
    bodies = receive_all(cloud, 1000)
    # Higher priority first, FIFO within a priority.
    expected = [body for _, (_, body) in sorted(enumerate(sent), key=lambda item: (-item[1][0], item[0]))]
    assert bodies == expected
    assert len(set(bodies)) == 1000


def test_kill9_of_the_edge_during_the_drain_loses_nothing_and_duplicates_nothing(broker_factory):
    edge, cloud = edge_and_stopped_cloud(broker_factory)
    sent = produce(edge, 1000)
    cloud.start()
    wait_until(lambda: queue_messages(cloud, ADDRESS) >= 1, timeout=60, interval=0.005, message="the drain to start")
    edge.kill9()
    seen_at_kill = queue_messages(cloud, ADDRESS)
    edge.start()
    wait_until(lambda: queue_messages(cloud, ADDRESS) >= 1000, timeout=120, interval=0.5, message="1000 messages on the cloud after the restart")
    # Let the edge finish (nothing more in its forwarding queue), then take everything.
    # The edge deletes a message only after the cloud accepted it durably, so an empty
    # forwarding queue means the cloud's count is final.
    wait_until(lambda: queue_messages(edge, "$uplink.default") == 0, timeout=60, interval=0.5, message="the edge backlog to drain")
    total = queue_messages(cloud, ADDRESS)
    bodies = receive_all(cloud, total)
    assert {body for _, body in sent} <= set(bodies), "a message was lost"
    # The cloud drops repeated `_AMQ_DUPL_ID`s: exactly once.
    assert len(bodies) == 1000, f"{len(bodies) - len(set(bodies))} duplicates"
    print(f"seen at kill: {seen_at_kill}")


class _AcceptingListener(MessagingHandler):
    """A bare Qpid Proton listener that accepts everything."""

    def __init__(self, url, auto_accept=True):
        super().__init__(auto_accept=auto_accept)
        self.url = url
        self.bodies = []
        self.ready = threading.Event()

    def on_start(self, event):
        self.acceptor = event.container.listen(self.url)
        self.ready.set()

    def on_message(self, event):
        self.bodies.append(event.message.body)


def test_a_bare_proton_listener_as_the_peer(broker_factory):
    port = free_port()
    listener = _AcceptingListener(f"127.0.0.1:{port}")
    container = Container(listener)
    thread = threading.Thread(target=container.run, daemon=True)
    thread.start()
    assert listener.ready.wait(10)
    try:
        edge = broker_factory(extra_args=["--uplink", f"amqp://127.0.0.1:{port}", "--forward", "telemetry/#"], name="edge")
        sent = produce(edge, 50)
        wait_until(lambda: len(listener.bodies) >= 50, timeout=60, interval=0.1, message="50 messages at the proton listener")
        assert sorted(listener.bodies) == sorted(body for _, body in sent)
    finally:
        container.stop()


class _RejectingListener(_AcceptingListener):
    """A proton listener that rejects everything with an error condition."""

    def __init__(self, url):
        super().__init__(url, auto_accept=False)

    def on_message(self, event):
        self.bodies.append(event.message.body)
        event.delivery.local.condition = Condition("amqp:not-allowed", "no telemetry here")
        self.reject(event.delivery)


def test_messages_the_peer_rejects_go_to_the_dead_letter_queue(broker_factory):
    port = free_port()
    listener = _RejectingListener(f"127.0.0.1:{port}")
    container = Container(listener)
    thread = threading.Thread(target=container.run, daemon=True)
    thread.start()
    assert listener.ready.wait(10)
    try:
        edge = broker_factory(extra_args=["--uplink", f"amqp://127.0.0.1:{port}", "--forward", "telemetry/#"], name="edge")
        produce(edge, 5)
        wait_until(lambda: queue_messages(edge, "$uplink.default.dlq") == 5, timeout=60, interval=0.1, message="5 dead-lettered messages")
        # The copy is made durable first, then the original is acknowledged: wait for that too.
        wait_until(lambda: queue_messages(edge, "$uplink.default") == 0, timeout=10, message="the originals removed")
    finally:
        container.stop()
