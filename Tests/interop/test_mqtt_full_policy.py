"""An address whose policy is `block`: an MQTT publisher is flow-controlled (reads paused) while a
subscription queue is full, loses nothing and is not disconnected."""
import pytest

from conftest import wait_until
from mqtt_helpers import Client

CONFIG = """
broker:
  addresses:
    - pattern: "bp/#"
      max-messages: 100
      full-policy: block
"""


@pytest.fixture
def limited(broker_factory):
    return broker_factory(config_text=CONFIG, name="limited")


def test_a_blocked_publisher_waits_for_room_then_everything_arrives_in_order(limited):
    subscriber = Client(limited, "slow-sub", version=4, clean=False)
    subscriber.subscribe("bp/t", qos=1)
    subscriber.disconnect()  # the persistent session keeps its queue; nobody consumes
    publisher = Client(limited, "pusher", version=4)
    sent = [publisher.publish("bp/t", f"m{index}", qos=1, wait=False) for index in range(150)]
    queue = "mqtt/slow-sub/bp/t"
    wait_until(lambda: (limited.queue_stat(queue) or {}).get("messages") == 100, message="the queue filled to its limit")
    # The rest wait on the publisher's side: not refused, not acknowledged, the connection kept.
    wait_until(lambda: sum(info.is_published() for info in sent) == 100, message="100 acknowledged")
    assert publisher.client.is_connected()
    assert (limited.queue_stat(queue) or {}).get("messages") == 100
    # The subscriber comes back and drains: the held publishes go through, in order.
    back = Client(limited, "slow-sub", version=4, clean=False)
    payloads = [message.payload.decode() for message in back.receive_all(150, timeout=30)]
    assert payloads == [f"m{index}" for index in range(150)]
    wait_until(lambda: all(info.is_published() for info in sent), message="all 150 acknowledged")
    back.disconnect()
    publisher.disconnect()
    limited.assert_alive()

