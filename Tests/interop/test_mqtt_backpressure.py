"""A subscriber that reads slower than messages arrive: they wait in its queue, not in the broker's memory."""
from conftest import wait_until
from mqtt_helpers import Client, RawConnection, connect_packet, mqtt_string, packet
from test_mqtt_sessions import raw_publishes

MESSAGES = 4_000
PAYLOAD = b"x" * 4_096


def test_a_stalled_qos0_subscriber_leaves_messages_in_its_queue_then_gets_them_all(broker):
    raw = RawConnection(broker, timeout=30)
    raw.send(connect_packet("stalled", version=4, clean=False))
    assert raw.read_packet()[0] == 0x20
    raw.send(packet(0x82, b"\x00\x01" + mqtt_string("flood/t") + b"\x00"))
    assert raw.read_packet()[0] == 0x90
    publisher = Client(broker, "flooder", version=4)
    for index in range(MESSAGES):
        publisher.publish("flood/t", PAYLOAD + index.to_bytes(4, "big"), qos=0, wait=False)
    publisher.publish("flood/t", b"last", qos=1)  # a QoS 1 round trip: the QoS 0 ones were handled before it
    # The subscriber reads nothing: once the socket stops taking data, the rest stays queued
    # (16 MiB sent, far beyond what the socket buffers hold).
    queued = lambda: (broker.queue_stat("mqtt/stalled/flood/t") or {}).get("messages", 0)
    wait_until(lambda: queued() > MESSAGES // 4, timeout=30, message="messages waiting in the subscription queue")
    # Now it reads: every message arrives, in order.
    received = raw_publishes(raw, MESSAGES + 1)
    assert [payload[-4:] for _, _, payload in received[:MESSAGES]] == [index.to_bytes(4, "big") for index in range(MESSAGES)]
    assert received[-1][2] == b"last"
    wait_until(lambda: queued() <= 1, timeout=30, message="the queue drained")
    raw.close()
    publisher.disconnect()
    broker.assert_alive()
