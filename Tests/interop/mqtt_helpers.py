"""Small synchronous wrappers around paho-mqtt 2.x and raw MQTT bytes for the MQTT interop suites."""
import queue
import socket
import struct
import time

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes


class Client:
    """A paho client on a background loop; received messages land in `self.messages` (a Queue)."""

    def __init__(self, broker, client_id="", version=5, clean=True, session_expiry=None, will=None,
                 username=None, password=None, keepalive=30, receive_maximum=None, topic_alias_maximum=None,
                 connect=True):
        self.version = version
        protocol = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
        kwargs = {"client_id": client_id, "protocol": protocol}
        if version != 5:
            kwargs["clean_session"] = clean
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, **kwargs)
        # No automatic reconnects: a test that is disconnected on purpose must stay disconnected.
        self.client.reconnect_delay_set(min_delay=120, max_delay=240)
        self.messages = queue.Queue()
        self.connack = queue.Queue()
        self.disconnects = queue.Queue()
        self.subacks = queue.Queue()
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_connect = lambda c, u, flags, rc, props: self.connack.put((flags, rc, props))
        self.client.on_disconnect = lambda c, u, flags, rc, props: self.disconnects.put(rc)
        self.client.on_subscribe = lambda c, u, mid, rcs, props: self.subacks.put((mid, rcs))
        if username is not None:
            self.client.username_pw_set(username, password)
        if will is not None:
            topic, payload, qos, retain, will_props = (list(will) + [None] * 5)[:5]
            self.client.will_set(topic, payload, qos or 0, bool(retain), properties=will_props)
        self.broker = broker
        self.clean = clean
        self.session_expiry = session_expiry
        self.keepalive = keepalive
        self.receive_maximum = receive_maximum
        self.topic_alias_maximum = topic_alias_maximum
        if connect:
            self.connect()

    def connect(self, expect_success=True):
        props = None
        if self.version == 5:
            props = Properties(PacketTypes.CONNECT)
            if self.session_expiry is not None:
                props.SessionExpiryInterval = self.session_expiry
            if self.receive_maximum is not None:
                props.ReceiveMaximum = self.receive_maximum
            if self.topic_alias_maximum is not None:
                props.TopicAliasMaximum = self.topic_alias_maximum
            self.client.connect("127.0.0.1", self.broker.mqtt_port, keepalive=self.keepalive,
                                clean_start=self.clean, properties=props)
        else:
            self.client.connect("127.0.0.1", self.broker.mqtt_port, keepalive=self.keepalive)
        self.client.loop_start()
        self.flags, self.rc, self.props = self.connack.get(timeout=10)
        if expect_success:
            assert not self.rc.is_failure, f"CONNACK {self.rc}"
        return self.rc

    def subscribe(self, topic, qos=0, options=None, props=None):
        if options is not None:
            result, mid = self.client.subscribe(topic, options=options, properties=props)
        else:
            result, mid = self.client.subscribe(topic, qos, properties=props)
        assert result == mqtt.MQTT_ERR_SUCCESS
        got_mid, codes = self.subacks.get(timeout=10)
        assert got_mid == mid
        return codes

    def publish(self, topic, payload, qos=0, retain=False, props=None, wait=True):
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=props)
        if wait and qos > 0:
            info.wait_for_publish(timeout=10)
            assert info.is_published()
        return info

    def receive(self, timeout=10):
        return self.messages.get(timeout=timeout)

    def receive_all(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        result = []
        while len(result) < count:
            result.append(self.messages.get(timeout=max(0.01, deadline - time.monotonic())))
        return result

    def assert_nothing(self, wait=0.5):
        try:
            message = self.messages.get(timeout=wait)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected message on {message.topic}: {message.payload!r}")

    def disconnect(self, props=None, reasoncode=None):
        self.client.disconnect(reasoncode=reasoncode, properties=props)
        self.client.loop_stop()

    def drop(self):
        """Closes the socket without DISCONNECT (an abnormal end)."""
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()


# Raw packets -----------------------------------------------------------------

def varint(value):
    out = bytearray()
    while True:
        byte = value % 128
        value //= 128
        if value:
            byte |= 0x80
        out.append(byte)
        if not value:
            return bytes(out)


def mqtt_string(text):
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("!H", len(data)) + data


def packet(first_byte, body):
    return bytes([first_byte]) + varint(len(body)) + body


def connect_packet(client_id="raw", version=4, keepalive=30, clean=True, will=None, properties=b""):
    flags = 0x02 if clean else 0
    payload = mqtt_string(client_id)
    if will is not None:
        topic, message = will
        flags |= 0x04
        if version == 5:
            payload += b"\x00"
        payload += mqtt_string(topic) + mqtt_string(message)
    body = mqtt_string("MQTT") + bytes([version, flags]) + struct.pack("!H", keepalive)
    if version == 5:
        body += varint(len(properties)) + properties
    return packet(0x10, body + payload)


class RawConnection:
    def __init__(self, broker, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", broker.mqtt_port), timeout=timeout)

    def send(self, data):
        self.sock.sendall(data)

    def read_packet(self):
        first = self._read(1)
        if not first:
            return None
        length, multiplier = 0, 1
        while True:
            byte = self._read(1)
            if not byte:
                return None
            length += (byte[0] & 0x7F) * multiplier
            multiplier *= 128
            if not byte[0] & 0x80:
                break
        return first[0], self._read(length)

    def _read(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                return data
            data += chunk
        return data

    def closed_by_server(self, timeout=5):
        """True when the server closes the connection (reading any packets it sent first)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(4096)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()
