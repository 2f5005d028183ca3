"""Persistent sessions, retained messages, wills and shared subscriptions."""
import time

import pytest

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes

from conftest import wait_until
from mqtt_helpers import Client, RawConnection, connect_packet, mqtt_string, packet


def test_v311_persistent_session_keeps_subscriptions_and_queued_messages(broker):
    subscriber = Client(broker, "keeper", version=4, clean=False)
    subscriber.subscribe("orders/#", qos=1)
    subscriber.disconnect()
    publisher = Client(broker, "p", version=4)
    for index in range(3):
        publisher.publish("orders/new", f"o{index}", qos=1)
    again = Client(broker, "keeper", version=4, clean=False)
    assert again.flags.session_present
    assert [m.payload for m in again.receive_all(3)] == [b"o0", b"o1", b"o2"]
    again.disconnect()
    publisher.publish("orders/new", "o3", qos=1)
    publisher.disconnect()
    broker.restart()
    after = Client(broker, "keeper", version=4, clean=False)
    assert after.flags.session_present
    assert after.receive().payload == b"o3"
    after.disconnect()
    clean = Client(broker, "keeper", version=4, clean=True)
    assert not clean.flags.session_present


def test_qos2_to_offline_session_across_restart_arrives_exactly_once(broker):
    subscriber = Client(broker, "exact", version=5, clean=True, session_expiry=3600)
    subscriber.subscribe("exact/t", qos=2)
    subscriber.disconnect()
    publisher = Client(broker, "p2", version=5)
    publisher.publish("exact/t", "once", qos=2)
    publisher.disconnect()
    broker.restart()
    back = Client(broker, "exact", version=5, clean=False, session_expiry=3600)
    assert back.flags.session_present
    message = back.receive()
    assert (message.payload, message.qos) == (b"once", 2)
    back.assert_nothing(1.0)
    back.disconnect()
    broker.restart()
    again = Client(broker, "exact", version=5, clean=False, session_expiry=3600)
    again.assert_nothing(1.0)


def test_unacknowledged_qos1_is_redelivered_with_dup(broker):
    # A raw-ish approach: paho acks automatically, so stop the loop before the ack can be sent.
    subscriber = Client(broker, "dupper", version=4, clean=False)
    subscriber.subscribe("dup/t", qos=1)
    subscriber.client.loop_stop()  # no more reading: the PUBLISH stays unacknowledged
    publisher = Client(broker, "p", version=4)
    publisher.publish("dup/t", "again", qos=1)
    # The broker has sent it (in flight, unacknowledged) before the subscriber goes away.
    wait_until(lambda: (broker.queue_stat("mqtt/dupper/dup/t") or {}).get("inFlight") == 1, message="the PUBLISH in flight")
    subscriber.drop()
    back = Client(broker, "dupper", version=4, clean=False)
    message = back.receive()
    assert message.payload == b"again"
    assert message.dup


def raw_publishes(raw, count):
    """Reads `count` 3.1.1 PUBLISH packets (skipping anything else): (packet id or None, dup, payload) each."""
    publishes = []
    while len(publishes) < count:
        read = raw.read_packet()
        assert read is not None, f"connection closed after {len(publishes)} PUBLISHes"
        first, body = read
        if first >> 4 != 3:
            continue
        topic_end = 2 + int.from_bytes(body[0:2], "big")
        if (first >> 1) & 0x03 == 0:  # QoS 0: no packet id
            publishes.append((None, bool(first & 0x08), body[topic_end:]))
            continue
        packet_id = int.from_bytes(body[topic_end:topic_end + 2], "big")
        publishes.append((packet_id, bool(first & 0x08), body[topic_end + 2:]))
    return publishes


def raw_subscriber(broker, client_id, topic, qos):
    raw = RawConnection(broker)
    raw.send(connect_packet(client_id, version=4, clean=False))
    assert raw.read_packet()[0] == 0x20  # CONNACK
    raw.send(packet(0x82, b"\x00\x07" + mqtt_string(topic) + bytes([qos])))
    return raw


@pytest.mark.parametrize("qos", [1, 2])
def test_unacknowledged_publishes_come_back_with_their_packet_ids(broker, qos):
    # MQTT 3.1.1 4.4: on reconnect the server re-sends unacknowledged PUBLISHes with their original
    # packet identifiers (QoS 2 receivers use the id to recognise a message they already have).
    raw = raw_subscriber(broker, f"resend{qos}", "resend/t", qos)
    assert raw.read_packet()[0] == 0x90  # SUBACK
    publisher = Client(broker, "resend-publisher", version=4)
    for index in range(3):
        publisher.publish("resend/t", f"m{index}", qos=1)
    first = raw_publishes(raw, 3)
    assert [payload for _, _, payload in first] == [b"m0", b"m1", b"m2"]
    assert not any(dup for _, dup, _ in first)
    raw.close()  # no PUBACK / PUBREC: all three unacknowledged
    # A new message while away must not take one of the kept ids.
    publisher.publish("resend/t", "m3", qos=1)
    wait_until(lambda: (broker.queue_stat(f"mqtt/resend{qos}/resend/t") or {}).get("inFlight") == 0, message="deliveries returned")
    back = RawConnection(broker)
    back.send(connect_packet(f"resend{qos}", version=4, clean=False))
    assert back.read_packet() == (0x20, b"\x01\x00")  # CONNACK, session present
    again = raw_publishes(back, 4)
    assert [(packet_id, dup, payload) for packet_id, dup, payload in again[:3]] == [(packet_id, True, payload) for packet_id, _, payload in first]
    assert again[3][2] == b"m3" and again[3][0] not in {packet_id for packet_id, _, _ in first}
    back.close()
    publisher.disconnect()


def test_v5_session_expiry(broker):
    short = Client(broker, "short", version=5, session_expiry=1)
    short.subscribe("exp/t", qos=1)
    short.disconnect()
    time.sleep(2.0)
    back = Client(broker, "short", version=5, clean=False, session_expiry=1)
    assert not back.flags.session_present


def test_retained_messages(broker):
    publisher = Client(broker, "rp")
    publisher.publish("status/door", "open", qos=1, retain=True)
    publisher.publish("status/window", "shut", qos=1, retain=True)
    late = Client(broker, "late")
    late.subscribe("status/+", qos=1)
    messages = sorted(late.receive_all(2), key=lambda m: m.topic)
    assert [(m.topic, m.payload, m.retain) for m in messages] == [("status/door", b"open", True), ("status/window", b"shut", True)]
    # Live messages to an existing subscription carry retain=0.
    publisher.publish("status/door", "closed", qos=1, retain=True)
    live = late.receive()
    assert (live.payload, live.retain) == (b"closed", False)
    broker.restart()
    fresh = Client(broker, "fresh")
    fresh.subscribe("status/door", qos=1)
    assert fresh.receive().payload == b"closed"
    # An empty retained publish clears it.
    clearer = Client(broker, "clear")
    clearer.publish("status/door", b"", qos=1, retain=True)
    newest = Client(broker, "newest")
    newest.subscribe("status/door", qos=1)
    newest.assert_nothing(0.5)


def test_will_on_abnormal_disconnect_not_on_normal(broker):
    watcher = Client(broker, "watch")
    watcher.subscribe("wills/#", qos=1)
    normal = Client(broker, "normal", will=("wills/normal", "gone", 1))
    normal.disconnect()
    dropped = Client(broker, "dropped", will=("wills/dropped", "lost", 1))
    dropped.drop()
    message = watcher.receive()
    assert (message.topic, message.payload) == ("wills/dropped", b"lost")
    watcher.assert_nothing(0.5)


def test_v5_disconnect_with_will_and_will_delay(broker):
    watcher = Client(broker, "watch5", version=5)
    watcher.subscribe("wills5/#", qos=1)
    with_will = Client(broker, "ww", version=5, will=("wills5/asked", "asked", 1))
    with_will.disconnect(reasoncode=mqtt.ReasonCode(PacketTypes.DISCONNECT, identifier=4))
    assert watcher.receive().topic == "wills5/asked"
    props = Properties(PacketTypes.WILLMESSAGE)
    props.WillDelayInterval = 1
    props.UserProperty = ("why", "delayed")
    delayed = Client(broker, "delayed", version=5, session_expiry=60, will=("wills5/delayed", "late", 1, False, props))
    delayed.drop()
    watcher.assert_nothing(0.6)
    message = watcher.receive(timeout=5)
    assert message.topic == "wills5/delayed"
    assert ("why", "delayed") in message.properties.UserProperty
    # Reconnecting within the delay cancels the will.
    props2 = Properties(PacketTypes.WILLMESSAGE)
    props2.WillDelayInterval = 2
    cancelled = Client(broker, "cancel", version=5, session_expiry=60, will=("wills5/cancelled", "no", 1, False, props2))
    cancelled.drop()
    Client(broker, "cancel", version=5, clean=False, session_expiry=60)
    watcher.assert_nothing(2.5)


def test_shared_subscription_round_robin(broker):
    members = [Client(broker, f"worker{index}", version=5) for index in range(2)]
    for member in members:
        member.subscribe("$share/workers/jobs/+", qos=1)
    publisher = Client(broker, "boss", version=5)
    for index in range(10):
        publisher.publish(f"jobs/{index}", str(index), qos=1)
    received = [[] for _ in members]

    def all_arrived():
        for index, member in enumerate(members):
            received[index].extend(m.payload for m in _drain(member))
        return sum(len(part) for part in received) >= 10

    wait_until(all_arrived, timeout=10, message="10 shared-subscription deliveries")
    assert sorted(sum(received, [])) == sorted(str(index).encode() for index in range(10))
    assert all(len(part) >= 3 for part in received), received
    # Members leaving does not stop the group, and an ordinary subscriber also gets a copy.
    members[0].disconnect()
    other = Client(broker, "other", version=5)
    other.subscribe("jobs/+", qos=1)
    publisher.publish("jobs/x", "last", qos=1)
    assert members[1].receive().payload == b"last"
    assert other.receive().payload == b"last"


def _drain(client):
    messages = []
    while True:
        try:
            messages.append(client.messages.get(timeout=0.2))
        except Exception:
            return messages
