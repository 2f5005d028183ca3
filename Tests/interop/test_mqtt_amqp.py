"""Across protocols: MQTT publish -> AMQP receiver and AMQP send -> MQTT subscriber.

These need the AMQP engine (written concurrently); they fail, not skip, until it exists.
"""
from proton import Message, symbol
from proton.utils import BlockingConnection
from proton.reactor import LinkOption
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes

from mqtt_helpers import Client


class Capabilities(LinkOption):
    def __init__(self, *names):
        self.names = names

    def apply(self, link):
        terminus = link.source if link.is_receiver else link.target
        for name in self.names:
            terminus.capabilities.put_object(symbol(name))


def test_mqtt_publish_reaches_amqp_topic_receivers(broker):
    conn = BlockingConnection(broker.amqp_url, timeout=10)
    exact = conn.create_receiver("sensors/t1", name="exact", options=Capabilities("topic"), credit=10)
    wildcard = conn.create_receiver("sensors/#", name="wild", options=Capabilities("topic"), credit=10)
    publisher = Client(broker, "mqtt-pub", version=5)
    props = Properties(PacketTypes.PUBLISH)
    props.ContentType = "text/plain"
    props.ResponseTopic = "replies/t1"
    props.CorrelationData = b"corr"
    props.UserProperty = [("unit", "C")]
    props.PayloadFormatIndicator = 1
    props.MessageExpiryInterval = 600
    publisher.publish("sensors/t1", "21.5", qos=1, props=props)
    for receiver in (exact, wildcard):
        message = receiver.receive(timeout=10)
        receiver.accept()
        assert message.body == "21.5"
        assert message.content_type == "text/plain"
        assert message.reply_to == "replies/t1"
        assert bytes(message.correlation_id) == b"corr"
        assert message.properties == {"unit": "C"}
        assert message.expiry_time > 0
    conn.close()


def test_amqp_send_reaches_mqtt_subscribers(broker):
    subscriber = Client(broker, "mqtt-sub", version=5)
    subscriber.subscribe("alerts/#", qos=1)
    conn = BlockingConnection(broker.amqp_url, timeout=10)
    sender = conn.create_sender("alerts/fire", options=Capabilities("topic"))
    sender.send(Message(body="fire!", content_type="text/plain", reply_to="alerts/ack", correlation_id="c-1",
                        properties={"floor": 3, "zone": "b"}, durable=True, ttl=60))
    message = subscriber.receive()
    assert message.topic == "alerts/fire"
    assert message.payload == b"fire!"
    assert message.properties.ContentType == "text/plain"
    assert message.properties.ResponseTopic == "alerts/ack"
    assert message.properties.CorrelationData == b"c-1"
    assert sorted(message.properties.UserProperty) == [("floor", "3"), ("zone", "b")]
    assert message.properties.MessageExpiryInterval <= 60
    conn.close()
