"""MQTT 3.1.1 and 5.0 basics with paho-mqtt and mosquitto_pub/mosquitto_sub."""
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from conftest import wait_until
from mqtt_helpers import Client, RawConnection, connect_packet
from test_amqp_durability_security import password_hash


@pytest.mark.parametrize("version", [4, 5])
@pytest.mark.parametrize("qos", [0, 1, 2])
def test_publish_subscribe_each_qos(broker, version, qos):
    subscriber = Client(broker, "sub", version=version)
    subscriber.subscribe("sensors/t1", qos=qos)
    publisher = Client(broker, "pub", version=version)
    for index in range(5):
        publisher.publish("sensors/t1", f"m{index}", qos=qos)
    messages = subscriber.receive_all(5)
    assert [m.payload for m in messages] == [f"m{index}".encode() for index in range(5)]
    assert all(m.qos == qos for m in messages)
    assert all(not m.retain for m in messages)
    subscriber.assert_nothing(0.2)
    publisher.disconnect()
    subscriber.disconnect()


def test_mosquitto_clients(broker):
    # Subscribe with a persistent session and exit once the SUBACK is in (-E): no race with the publishes.
    subprocess.run(["mosquitto_sub", "-p", str(broker.mqtt_port), "-t", "sensors/#", "-q", "1", "-i", "msub", "-c", "-E"],
                   check=True, timeout=10)
    for index in range(3):
        subprocess.run(["mosquitto_pub", "-p", str(broker.mqtt_port), "-t", f"sensors/t{index}", "-q", "1", "-m", f"{20 + index}.5"],
                       check=True, timeout=10)
    sub = subprocess.Popen(
        ["mosquitto_sub", "-p", str(broker.mqtt_port), "-t", "sensors/#", "-q", "1", "-C", "3", "-v", "-i", "msub", "-c"],
        stdout=subprocess.PIPE, text=True)
    out, _ = sub.communicate(timeout=10)
    assert out.splitlines() == ["sensors/t0 20.5", "sensors/t1 21.5", "sensors/t2 22.5"]
    # MQTT 5 flavour of the same tools.
    result = subprocess.run(["mosquitto_pub", "-V", "mqttv5", "-p", str(broker.mqtt_port), "-t", "x/y", "-q", "2", "-m", "v5"],
                            timeout=10)
    assert result.returncode == 0


def test_wildcards_and_dollar_topics(broker):
    everything = Client(broker, "all")
    everything.subscribe("#", qos=1)
    level = Client(broker, "level")
    level.subscribe("a/+/c", qos=1)
    dollar = Client(broker, "dollar")
    dollar.subscribe("$internal/#", qos=1)
    publisher = Client(broker, "pub")
    publisher.publish("a/b/c", "1", qos=1)
    publisher.publish("a/b/c/d", "2", qos=1)
    publisher.publish("$internal/x", "3", qos=1)
    assert sorted(m.topic for m in everything.receive_all(2)) == ["a/b/c", "a/b/c/d"]
    everything.assert_nothing(0.3)
    assert [m.topic for m in level.receive_all(1)] == ["a/b/c"]
    level.assert_nothing(0.1)
    assert [m.topic for m in dollar.receive_all(1)] == ["$internal/x"]


def test_unsubscribe_stops_delivery(broker):
    client = Client(broker, "u", version=5)
    client.subscribe("u/t", qos=1)
    client.publish("u/t", "before", qos=1)
    assert client.receive().payload == b"before"
    unsubscribed = threading.Event()
    client.client.on_unsubscribe = lambda *args: unsubscribed.set()
    client.client.unsubscribe("u/t")
    assert unsubscribed.wait(10), "no UNSUBACK"
    client.publish("u/t", "after", qos=1)
    client.assert_nothing(0.4)


@pytest.fixture
def broker_with_users(broker):
    broker.stop()
    (broker.data_dir / "users.yaml").write_text(f'alice: "{password_hash("wonderland")}"\n')
    return broker.start()


@pytest.mark.parametrize("version", [4, 5])
def test_username_password(broker_with_users, version):
    good = Client(broker_with_users, "good", version=version, username="alice", password="wonderland")
    good.disconnect()
    bad = Client(broker_with_users, "bad", version=version, username="alice", password="nope", connect=False)
    rc = bad.connect(expect_success=False)
    assert rc.is_failure
    assert rc.value in (0x86, 4)  # bad user name or password (5.0), 3.1.1 return code 4
    bad.client.loop_stop()


def test_client_id_rules(broker):
    # paho refuses to send this combination itself, so it goes over a raw socket.
    raw = RawConnection(broker)
    raw.send(connect_packet("", version=4, clean=False))
    kind, body = raw.read_packet()
    assert (kind, body) == (0x20, b"\x00\x02")  # identifier rejected
    assert raw.closed_by_server()
    v5 = Client(broker, "", version=5)
    assigned = v5.props.AssignedClientIdentifier
    assert assigned
    v5.disconnect()
    v3clean = Client(broker, "", version=4, clean=True)
    v3clean.disconnect()


def test_takeover_disconnects_the_old_connection(broker):
    first = Client(broker, "same", version=5)
    second = Client(broker, "same", version=5)
    reason = first.disconnects.get(timeout=5)
    first.client.loop_stop()
    assert reason.value == 0x8E  # session taken over
    second.subscribe("t/o", qos=1)
    second.publish("t/o", "still works", qos=1)
    assert second.receive().payload == b"still works"


def test_keep_alive_is_enforced_at_one_and_a_half(broker):
    watcher = Client(broker, "watcher")
    watcher.subscribe("will/raw", qos=1)
    raw = RawConnection(broker, timeout=10)
    raw.send(connect_packet("silent", keepalive=1, will=("will/raw", b"timed out")))
    assert raw.read_packet()[0] == 0x20  # CONNACK
    started = time.monotonic()
    assert raw.closed_by_server(timeout=5)
    elapsed = time.monotonic() - started
    assert 1.4 <= elapsed <= 3.0, elapsed
    assert watcher.receive().payload == b"timed out"


def test_pings_keep_the_connection(broker):
    client = Client(broker, "pinger", keepalive=1)
    time.sleep(2.5)
    client.subscribe("p/t", qos=1)
    client.publish("p/t", "alive", qos=1)
    assert client.receive().payload == b"alive"
