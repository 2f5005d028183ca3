"""Cloud to edge: an uplink's `receive` rules take messages from the peer and store them in
local addresses before acknowledging them (AMQP `accepted`, MQTT PUBACK).

Peers: a second Outpost over AMQP 1.0 (python-qpid-proton sends to the cloud and receives on
the edge) and Debian's mosquitto over MQTT (mosquitto_pub on the peer, mosquitto_sub on the edge).
"""
import subprocess

from proton import Message
from proton.utils import BlockingConnection

from conftest import wait_until
from test_uplink_amqp import queue_messages, receive_all
from test_uplink_mqtt import Mosquitto, Subscriber, publish

COMMANDS = "edge-17/commands"


def edge_config(url, receive_from, receive_to="commands"):
    return f"""node-id: edge-17
uplinks:
  - name: cloud
    url: {url}
    forward: ["telemetry/#"]
    reconnect-initial-delay: 100ms
    reconnect-max-delay: 1s
    receive:
      - from: "{receive_from}"
        to: {receive_to}
"""


def send(node, address, bodies):
    conn = BlockingConnection(node.amqp_url, timeout=30)
    try:
        sender = conn.create_sender(address)
        for body in bodies:
            sender.send(Message(body=body, durable=True))
    finally:
        conn.close()


def receive(node, address, count):
    return receive_all(node, count, timeout=30, address=address)


def connected_edge(broker_factory, cloud):
    edge = broker_factory(config_text=edge_config(f"amqp://127.0.0.1:{cloud.amqp_port}", COMMANDS), name="edge")
    wait_until(lambda: uplink_status(edge)["connected"], message="the uplink to connect")
    return edge


def uplink_status(node):
    import json
    import urllib.request
    token = (node.data_dir / "management.token").read_text().strip()
    request = urllib.request.Request(f"http://127.0.0.1:{node.management_port}/api/v1/uplinks", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        body = json.loads(response.read())
    return body["uplinks"][0]


def test_amqp_receive_rule_stores_cloud_messages_on_the_edge(broker_factory):
    cloud = broker_factory(name="cloud")
    edge = connected_edge(broker_factory, cloud)

    first = [f"cmd-{index}" for index in range(20)]
    send(cloud, COMMANDS, first)
    wait_until(lambda: queue_messages(edge, "commands") == 20, timeout=30, interval=0.1, message="20 commands on the edge")
    # Accepted by the edge only once stored there, so the cloud no longer holds them.
    wait_until(lambda: queue_messages(cloud, COMMANDS) == 0, timeout=30, interval=0.1, message="the cloud queue to empty")
    assert receive(edge, "commands", 20) == first

    # The edge is away: the cloud keeps what arrives; the edge takes it when it is back.
    edge.stop()
    second = [f"later-{index}" for index in range(10)]
    send(cloud, COMMANDS, second)
    edge.start()
    wait_until(lambda: queue_messages(edge, "commands") == 10, timeout=30, interval=0.1, message="10 commands after the restart")
    assert receive(edge, "commands", 10) == second
    assert uplink_status(edge)["receivedTotal"] == 10  # counted since this start


def test_amqp_receive_rule_survives_kill9_of_the_edge(broker_factory):
    cloud = broker_factory(name="cloud")
    edge = connected_edge(broker_factory, cloud)
    bodies = [f"c-{index}" for index in range(2000)]
    send(cloud, COMMANDS, bodies)
    wait_until(lambda: queue_messages(edge, "commands") >= 1, timeout=30, interval=0.005, message="the first arrival")
    edge.kill9()
    edge.start()
    wait_until(lambda: queue_messages(cloud, COMMANDS) == 0, timeout=60, interval=0.1, message="the cloud queue to empty")
    stored = queue_messages(edge, "commands")
    received = receive(edge, "commands", stored)
    # Nothing lost; a message stored but not yet accepted at the kill comes again (at least once).
    assert set(bodies) <= set(received)
    assert len(received) - len(set(received)) <= 2000


def test_mqtt_receive_rule_stores_peer_messages_on_the_edge(broker_factory, tmp_path):
    peer = Mosquitto(tmp_path / "mosquitto").start()
    try:
        edge = broker_factory(config_text=edge_config(f"mqtt://127.0.0.1:{peer.port}", "edge-17/commands/#"), name="edge")
        wait_until(lambda: uplink_status(edge)["connected"], message="the uplink to connect")
        local = Subscriber(edge.mqtt_port, "commands")
        try:
            # The uplink's SUBSCRIBE may still be on its way: publish until the first arrives.
            wait_until(lambda: publish(peer.port, "edge-17/commands/reboot", ["probe"]) or "probe" in local.payloads,
                       timeout=30, interval=0.2, message="the receive rule's subscription")
            payloads = [f"cmd-{index}" for index in range(50)]
            publish(peer.port, "edge-17/commands/reboot", payloads)
            wait_until(lambda: len([p for p in local.payloads if p != "probe"]) >= 50, timeout=30, message="50 commands on the edge")
            assert [p for p in local.payloads if p != "probe"] == payloads
            assert uplink_status(edge)["receivedTotal"] >= 51
        finally:
            local.stop()

        # The edge is away: its persistent session on mosquitto keeps QoS 1 messages for it,
        # and the edge stores what was kept once it is back.
        edge.stop()
        publish(peer.port, "edge-17/commands/reboot", ["while-away"])
        edge.start()
        wait_until(lambda: uplink_status(edge)["receivedTotal"] >= 1, timeout=30, message="the message kept while away")
    finally:
        peer.stop()


def test_a_receive_rule_that_would_loop_is_refused(broker_factory, tmp_path):
    from conftest import outpost_binary
    config = tmp_path / "loop.yaml"
    config.write_text(edge_config("amqp://127.0.0.1:1", "cloud/cmd", receive_to="telemetry/commands"))
    result = subprocess.run([outpost_binary(), "run", "--config", str(config), "--data-dir", str(tmp_path / "d")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "uplinks[0].receive[0].to" in result.stderr + result.stdout
