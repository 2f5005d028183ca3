"""Hostile input from raw sockets while a healthy client keeps working."""
import pytest

from mqtt_helpers import Client, RawConnection, connect_packet, mqtt_string, packet, varint


def healthy_roundtrip(healthy, text):
    healthy.publish("healthy/t", text, qos=1)
    assert healthy.receive().payload == text.encode()


HOSTILE = {
    "publish before connect": lambda: packet(0x30, mqtt_string("a") + b"x"),
    "garbage first byte": lambda: b"\x00\x00",
    "remaining length over 4 bytes": lambda: b"\x10\xff\xff\xff\xff\x7f",
    "oversized packet": lambda: b"\x10" + varint(300 << 20),
    "bad protocol name": lambda: packet(0x10, mqtt_string("MQTX") + b"\x04\x02\x00\x1e" + mqtt_string("c")),
}

AFTER_CONNECT = {
    "second connect": lambda version: connect_packet("again", version=version),
    "reserved flag bits": lambda version: packet(0x82 | 0x01, b"\x00\x01" + (b"\x00" if version == 5 else b"") + mqtt_string("a") + b"\x00"),
    "qos 3": lambda version: packet(0x36, mqtt_string("a") + b"\x00\x01" + (b"\x00" if version == 5 else b"") + b"x"),
    "wildcard in publish topic": lambda version: packet(0x30, mqtt_string("a/+") + (b"\x00" if version == 5 else b"") + b"x"),
    "invalid utf-8 topic": lambda version: packet(0x30, b"\x00\x02\xc3\x28" + (b"\x00" if version == 5 else b"") + b"x"),
    "connack from client": lambda version: packet(0x20, b"\x00\x00" + (b"\x00" if version == 5 else b"")),
    "topic alias out of range": lambda version: packet(0x30, mqtt_string("a") + b"\x03\x23\xff\xff" + b"x") if version == 5 else packet(0x30, mqtt_string("a/#") + b"x"),
    "packet id reused while in flight": lambda version: None,
}


@pytest.fixture
def healthy(broker):
    client = Client(broker, "healthy", version=5)
    client.subscribe("healthy/t", qos=1)
    return client


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_before_connect(broker, healthy, name):
    raw = RawConnection(broker)
    raw.send(HOSTILE[name]())
    assert raw.closed_by_server(timeout=5), name
    healthy_roundtrip(healthy, name)
    broker.assert_alive()


@pytest.mark.parametrize("version", [4, 5])
@pytest.mark.parametrize("name", sorted(AFTER_CONNECT))
def test_hostile_after_connect(broker, healthy, name, version):
    raw = RawConnection(broker)
    raw.send(connect_packet(f"hostile-{version}", version=version))
    kind, _ = raw.read_packet()
    assert kind == 0x20
    if name == "packet id reused while in flight":
        # Two QoS 2 PUBLISHes with the same id and DUP=0 before the first is acknowledged: the
        # second may also arrive after PUBREC (then it is answered with PUBREC), so send both at once.
        props = b"\x00" if version == 5 else b""
        publish = packet(0x34, mqtt_string("hostile/t") + b"\x00\x07" + props + b"x")
        raw.send(publish + publish + publish)
        # Either closed (in flight) or answered twice with PUBREC (stored, then deduplicated).
        raw.sock.settimeout(3)
        got = b""
        try:
            while True:
                chunk = raw.sock.recv(4096)
                if not chunk:
                    break
                got += chunk
                if got.count(b"\x50\x02\x00\x07") >= 3:
                    break
        except OSError:
            pass
    else:
        raw.send(AFTER_CONNECT[name](version))
        assert raw.closed_by_server(timeout=5), name
    healthy_roundtrip(healthy, f"{name} {version}")
    broker.assert_alive()


def test_unsupported_protocol_level_gets_connack(broker):
    raw = RawConnection(broker)
    raw.send(packet(0x10, mqtt_string("MQTT") + b"\x03\x02\x00\x1e" + mqtt_string("c")))
    kind, body = raw.read_packet()
    assert kind == 0x20 and body[1] == 0x01
    assert raw.closed_by_server()


def test_v5_protocol_error_gets_a_disconnect_reason(broker):
    raw = RawConnection(broker)
    raw.send(connect_packet("v5-bad", version=5))
    assert raw.read_packet()[0] == 0x20
    raw.send(packet(0x30, mqtt_string("a") + b"\x03\x23\xff\xff" + b"x"))  # alias 65535 > maximum (64)
    kind, body = raw.read_packet()
    assert kind == 0xE0 and body[0] == 0x94
    assert raw.closed_by_server()
