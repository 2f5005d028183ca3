"""AMQP: durability across restarts and crashes, SASL, heartbeats, the type system, hostile input."""
import base64
import hashlib
import os
import socket
import struct
import time
import uuid

import pytest
from proton import (Array, Data, Message, byte, char, decimal32, decimal64, decimal128, float32, int32, short,
                    symbol, timestamp, ubyte, uint, ulong, ushort)
from proton import ConnectionException
from proton.utils import BlockingConnection

from conftest import wait_until


def connect(broker, **kwargs):
    return BlockingConnection(broker.amqp_url, timeout=10, **kwargs)


def send(broker, address, bodies, durable=True):
    conn = connect(broker)
    sender = conn.create_sender(address)
    for body in bodies:
        sender.send(Message(body=body, durable=durable))
    conn.close()


def receive_all(broker, address, count):
    conn = connect(broker)
    receiver = conn.create_receiver(address, credit=count)
    bodies = []
    for _ in range(count):
        bodies.append(receiver.receive(timeout=10).body)
        receiver.accept()
    conn.close()
    return bodies


def test_durable_messages_survive_a_restart(broker):
    send(broker, "restart", [f"m{index}" for index in range(20)])
    broker.restart()
    assert receive_all(broker, "restart", 20) == [f"m{index}" for index in range(20)]


def test_durable_messages_survive_kill_9(broker):
    # Every message was accepted (durably committed) before send() returned.
    send(broker, "crash", [f"m{index}" for index in range(50)])
    broker.kill9()
    broker.start()
    assert receive_all(broker, "crash", 50) == [f"m{index}" for index in range(50)]


def password_hash(password: str, rounds=210_000) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds, 32)
    return f"pbkdf2-sha256${rounds}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


@pytest.fixture
def broker_with_users(broker):
    broker.stop()
    (broker.data_dir / "users.yaml").write_text(f'alice: "{password_hash("wonderland")}"\n')
    return broker.start()


def test_sasl_plain_good_password(broker_with_users):
    conn = connect(broker_with_users, user="alice", password="wonderland", allowed_mechs="PLAIN", allow_insecure_mechs=True)
    conn.create_sender("secured").send(Message(body="hi"))
    conn.close()


def test_sasl_plain_bad_password_is_refused_and_not_logged(broker_with_users):
    with pytest.raises(ConnectionException):
        conn = connect(broker_with_users, user="alice", password="wrong-password-123", allowed_mechs="PLAIN", allow_insecure_mechs=True)
        conn.create_sender("secured")
    wait_until(lambda: "authentication failed" in broker_with_users.log, timeout=5, message="failure logged")
    assert "wrong-password-123" not in broker_with_users.log
    # Anonymous still works on loopback, and a good login still works afterwards.
    conn = connect(broker_with_users, user="alice", password="wonderland", allowed_mechs="PLAIN", allow_insecure_mechs=True)
    conn.close()


def test_heartbeats_keep_an_idle_connection_open(broker):
    # The client announces a 1 s idle timeout: the broker must send something at least every 0.5 s.
    conn = connect(broker, heartbeat=1)
    receiver = conn.create_receiver("idle", credit=1)
    try:
        conn.wait(lambda: False, timeout=3, msg="idle")
    except Exception as error:  # Timeout is the expected outcome
        assert "idle" in str(error)
    send(broker, "idle", ["still here"], durable=False)
    assert receiver.receive(timeout=5).body == "still here"
    receiver.accept()
    conn.close()


PROPERTIES = {
    "null": None,
    "bool": True,
    "ubyte": ubyte(255),
    "ushort": ushort(65535),
    "uint": uint(4294967295),
    "ulong": ulong(18446744073709551615),
    "byte": byte(-128),
    "short": short(-32768),
    "int": int32(-2147483648),
    "long": -9223372036854775808,
    "float": float32(1.5),
    "double": 2.25,
    "decimal32": decimal32(7),
    "decimal64": decimal64(8),
    "decimal128": decimal128(b"0123456789abcdef"),
    "char": char("é"),
    "timestamp": timestamp(1700000000123),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "binary": b"\x00\x01\xff",
    "string": "ünïcode",
    "symbol": symbol("a-symbol"),
}


def test_every_primitive_type_round_trips(broker):
    body = dict(PROPERTIES)
    body["list"] = [1, "two", None]
    body["map"] = {"nested": [uint(1)]}
    body["array"] = Array(Data.NULL, Data.INT, 1, 2, 3)
    conn = connect(broker)
    conn.create_sender("types").send(Message(body=body, properties=PROPERTIES, durable=True))
    receiver = conn.create_receiver("types", credit=1)
    message = receiver.receive(timeout=5)
    receiver.accept()
    conn.close()
    for key, value in PROPERTIES.items():
        received = message.properties[key]
        if key == "binary":
            received = bytes(received)  # proton decodes binary as a memoryview
        assert received == value, key
        assert type(received) is type(value), key
    for key, value in body.items():
        if key == "array":
            assert list(message.body[key].elements) == [1, 2, 3]
        elif key == "binary":
            assert bytes(message.body[key]) == value
        else:
            assert message.body[key] == value, key


# Raw frames (part 2.3): size, doff=2, type 0, channel.
def frame(body: bytes, channel: int = 0) -> bytes:
    return struct.pack(">IBBH", 8 + len(body), 2, 0, channel) + body


def list8(*fields: bytes) -> bytes:
    content = b"".join(fields)
    return b"\xc0" + bytes([len(content) + 1, len(fields)]) + content


def str8(text: str) -> bytes:
    data = text.encode()
    return b"\xa1" + bytes([len(data)]) + data


OPEN = frame(b"\x00\x53\x10" + list8(str8("raw-client")))
BEGIN = frame(b"\x00\x53\x11" + list8(b"\x40", b"\x43", b"\x70\x00\x00\x10\x00", b"\x70\x00\x00\x10\x00"))
TRANSFER_ON_HANDLE_5 = frame(b"\x00\x53\x14" + list8(b"\x52\x05", b"\x43", b"\xa0\x01\x41", b"\x43") + b"\x00\x53\x77\xa1\x01x")


def raw_exchange(broker, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", broker.amqp_port), timeout=5) as raw:
        raw.sendall(payload)
        received = b""
        while True:
            try:
                chunk = raw.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            received += chunk
        return received


@pytest.mark.parametrize(
    "payload, condition",
    [
        (b"AMQP\x00\x01\x00\x00" + frame(b"\x00\x53\x10\xff\xff\xff"), b"amqp:decode-error"),
        (b"AMQP\x00\x01\x00\x00" + struct.pack(">IBBH", 100_000_000, 2, 0, 0), b"amqp:connection:framing-error"),
        (b"AMQP\x00\x01\x00\x00" + OPEN + BEGIN + TRANSFER_ON_HANDLE_5, b"amqp:session:unattached-handle"),
        (b"AMQP\x00\x01\x00\x00" + OPEN + frame(b"\x00\x53\x10" + list8(str8("x"))), b"amqp:illegal-state"),
    ],
    ids=["garbage-after-header", "frame-over-max", "transfer-unattached-handle", "second-open"],
)
def test_hostile_input_gets_its_error_and_close(broker, payload, condition):
    bystander = connect(broker)
    sender = bystander.create_sender("bystander")
    receiver = bystander.create_receiver("bystander", credit=10)
    sender.send(Message(body="before"))
    response = raw_exchange(broker, payload)
    assert response.startswith(b"AMQP\x00\x01\x00\x00")
    assert condition in response
    sender.send(Message(body="after"))
    assert [receiver.receive(timeout=5).body for _ in range(2)] == ["before", "after"]
    receiver.accept()
    bystander.close()
    broker.assert_alive()


def test_http_request_is_answered_with_a_protocol_header(broker):
    response = raw_exchange(broker, b"GET / HTTP/1.1\r\n\r\n")
    assert response == b"AMQP\x00\x01\x00\x00"
