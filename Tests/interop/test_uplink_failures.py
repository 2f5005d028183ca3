"""The uplink's failure tests (issue 5): a 100,000-message backlog made while the peer is down,
twenty link cuts during a drain (Outpost and mosquitto peers), against the real daemon.

Link cuts are the peer going away and coming back: an Outpost peer alternately stopped
(SIGTERM) and killed (SIGKILL), mosquitto stopped and started with its persistence on. (The
kernel here has no sch_netem, so `tc netem` loss and delay are not part of this suite.)
"""
import time

from amqp_bulk import BulkReceiver, send_many
from conftest import wait_until
from test_uplink_amqp import ADDRESS, queue_messages, receive_all
from test_uplink_mqtt import Mosquitto, Subscriber, publish, uplink_command, uplink_paused

FORWARDING = "$uplink.default"


def edge_config(url, bandwidth_limit=0):
    # Short reconnect delays: each cut should cost the drain well under a second.
    return f"""node-id: edge-1
uplinks:
  - name: default
    url: {url}
    forward: ["telemetry/#"]
    bandwidth-limit: {bandwidth_limit}
    reconnect-initial-delay: 50ms
    reconnect-max-delay: 500ms
"""


def pause(edge):
    uplink_command(edge, "pause")
    wait_until(lambda: uplink_paused(edge), message="the uplink to pause")


def test_100000_messages_made_while_the_peer_is_down_arrive_in_priority_then_fifo_order_exactly_once(broker_factory):
    cloud = broker_factory(name="cloud")
    cloud.stop()
    edge = broker_factory(config_text=edge_config(f"amqp://127.0.0.1:{cloud.amqp_port}"), name="edge")
    count = 100_000
    # Priorities interleaved (7 is coprime with 10, so every priority recurs every 10 messages).
    sent = [((index * 7) % 10, f"p{(index * 7) % 10}-{index}") for index in range(count)]
    started = time.monotonic()
    send_many(edge.amqp_url, ADDRESS, sent)
    produced = time.monotonic()
    assert queue_messages(edge, FORWARDING) == count

    # The peer comes up; a receiver with credit for everything is attached before the uplink
    # resumes, so the cloud hands over each message in the order it arrived.
    pause(edge)
    cloud.start()
    receiver = BulkReceiver(cloud.amqp_url, ADDRESS, credit=count).start()
    try:
        uplink_command(edge, "resume")
        resumed = time.monotonic()
        wait_until(lambda: len(receiver.bodies) >= count, timeout=600, interval=0.5, message=f"{count} messages at the cloud")
        print(f"100,000 messages: produced in {produced - started:.1f} s, at the cloud {time.monotonic() - resumed:.1f} s after the resume")
        wait_until(lambda: queue_messages(edge, FORWARDING) == 0, timeout=60, interval=0.2, message="the edge backlog to empty")
    finally:
        receiver.stop()
    bodies = receiver.bodies
    assert len(bodies) == count, f"{len(bodies) - len(set(bodies))} duplicates"
    expected = [body for _, (_, body) in sorted(enumerate(sent), key=lambda item: (-item[1][0], item[0]))]
    assert bodies == expected


def test_twenty_cuts_of_an_outpost_peer_during_a_drain_lose_and_duplicate_nothing(broker_factory):
    cloud = broker_factory(name="cloud")
    cloud.stop()
    # A bandwidth cap makes the drain outlast twenty cuts: 50,000 messages at 50 KB/s drain in
    # about 75 s here, twenty cuts take 20-40 s (more on a loaded machine).
    edge = broker_factory(config_text=edge_config(f"amqp://127.0.0.1:{cloud.amqp_port}", bandwidth_limit=50_000), name="edge")
    count = 50_000
    sent = [(4, f"m-{index}") for index in range(count)]
    send_many(edge.amqp_url, ADDRESS, sent)
    cloud.start()
    for cut in range(20):
        before = queue_messages(cloud, ADDRESS)
        wait_until(lambda: queue_messages(cloud, ADDRESS) > before or queue_messages(edge, FORWARDING) == 0,
                   timeout=60, interval=0.05, message=f"progress before cut {cut + 1}")
        assert queue_messages(edge, FORWARDING) > 0, f"the drain finished before cut {cut + 1}; the test would prove nothing"
        if cut % 2 == 0:
            cloud.stop()
        else:
            cloud.kill9()
        cloud.start()
    wait_until(lambda: queue_messages(edge, FORWARDING) == 0, timeout=300, interval=0.2, message="the edge backlog to empty")
    # The edge deletes only what the cloud accepted durably: the cloud's count is now final.
    total = queue_messages(cloud, ADDRESS)
    bodies = receive_all(cloud, total)
    assert set(bodies) == {body for _, body in sent}, "a message was lost"
    assert len(bodies) == count, f"{len(bodies) - count} duplicates"


def test_twenty_cuts_of_a_mosquitto_peer_during_a_drain_lose_nothing(broker_factory, tmp_path):
    peer = Mosquitto(tmp_path / "mosquitto", persistent=True)
    # 10,000 payloads of 100 bytes at 50 KB/s: a drain of about 20 s.
    edge = broker_factory(config_text=edge_config(f"mqtt://127.0.0.1:{peer.port}", bandwidth_limit=50_000), name="edge")
    count = 10_000
    payloads = [f"m-{index}-".ljust(100, "x") for index in range(count)]
    publish(edge.mqtt_port, "telemetry/line/speed", payloads)
    # A persistent subscriber (its session, and what is queued for it, survive the cuts).
    pause(edge)
    peer.start()
    subscriber = Subscriber(peer.port, "telemetry/#", extra_args=("-c", "-i", "cloud-consumer"))
    try:
        uplink_command(edge, "resume")
        window = 1000
        for cut in range(20):
            before = len(subscriber.payloads)
            wait_until(lambda: len(subscriber.payloads) > before, timeout=60, interval=0.05, message=f"progress before cut {cut + 1}")
            assert queue_messages(edge, FORWARDING) > 0, f"the drain finished before cut {cut + 1}"
            peer.stop()
            peer.start()
        wait_until(lambda: set(payloads) <= set(subscriber.payloads), timeout=300, interval=0.2, message="every message at the peer")
        duplicates = len(subscriber.payloads) - len(set(subscriber.payloads))
        # Only messages in flight at a cut can come twice (MQTT has no dedup id).
        assert duplicates <= 20 * window, f"{duplicates} duplicates"
        print(f"mosquitto peer: {duplicates} duplicates over 20 cuts")
    finally:
        subscriber.stop()
        peer.stop()
