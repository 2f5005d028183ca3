"""JMS message selectors and no-local on AMQP receivers, as python-qpid-proton applications set them:
proton.reactor.Selector (apache.org:selector-filter:string) and a Filter with apache.org:no-local-filter:list."""
import pytest
from proton import Described, Message, Timeout, symbol
from proton.reactor import Copy, DurableSubscription, Filter, Selector
from proton.utils import BlockingConnection, LinkDetached

from amqp_bulk import send_many
from conftest import wait_until
from test_amqp_basic import Capabilities

SELECTOR_DESCRIPTOR = symbol("apache.org:selector-filter:string")
NO_LOCAL = Filter({symbol("no-local"): Described(symbol("apache.org:no-local-filter:list"), [])})


def connect(broker, **kwargs):
    return BlockingConnection(broker.amqp_url, timeout=10, **kwargs)


def send_colors(conn, address, colors, topic=False):
    sender = conn.create_sender(address, options=Capabilities("topic") if topic else None)
    for index, color in enumerate(colors):
        sender.send(Message(body=f"{color}-{index}", properties={"color": color, "index": index}, durable=True))
    sender.close()


def receive_all(receiver, count, timeout=5):
    bodies = []
    for _ in range(count):
        bodies.append(receiver.receive(timeout=timeout).body)
        receiver.accept()
    return bodies


def assert_nothing_more(receiver):
    with pytest.raises(Timeout):
        receiver.receive(timeout=0.5)


def messages_in(broker, name):
    stat = broker.queue_stat(name)
    return stat["messages"] if stat else None


def remote_filter(receiver):
    """The filter-set the broker echoed in its attach, as a dict of key -> descriptor."""
    data = receiver.link.remote_source.filter
    data.rewind()
    echoed = data.get_object() if data.next() else {}
    return {str(key): str(value.descriptor) for key, value in echoed.items()}


def test_selector_on_a_queue_leaves_the_rest_for_other_consumers(broker):
    conn = connect(broker)
    send_colors(conn, "paint", ["blue", "red", "blue", "red", "green"])
    reds = conn.create_receiver("paint", options=Selector("color = 'red'"), credit=10)
    assert remote_filter(reds) == {"selector": str(SELECTOR_DESCRIPTOR)}
    assert receive_all(reds, 2) == ["red-1", "red-3"]
    assert_nothing_more(reds)
    # The non-matching messages were not consumed and did not block the red ones behind them.
    everyone = conn.create_receiver("paint", name="everyone", credit=10)
    assert receive_all(everyone, 3) == ["blue-0", "blue-2", "green-4"]
    everyone.close()
    wait_until(lambda: messages_in(broker, "paint") == 0, message="queue emptied")
    conn.close()


def test_selector_sees_later_arrivals_and_jms_headers(broker):
    conn = connect(broker)
    urgent = conn.create_receiver("alerts", options=Selector("JMSPriority > 6 AND index BETWEEN 1 AND 9"), credit=10)
    sender = conn.create_sender("alerts")
    for index, priority in enumerate([4, 9, 2, 7, 8]):
        sender.send(Message(body=f"p{priority}", priority=priority, properties={"index": index}, durable=True))
    assert sorted(receive_all(urgent, 3)) == ["p7", "p8", "p9"]
    assert_nothing_more(urgent)
    conn.close()


def test_a_match_behind_twenty_thousand_others_is_delivered(broker):
    # The needle has the lowest priority, so it sorts behind the whole backlog (far beyond the
    # queue's in-memory window): the consumer's disk scan has to find it.
    conn = connect(broker)
    send_many(broker.amqp_url, "backlog", [(4, index) for index in range(20_000)] + [(1, "needle")])
    needles = conn.create_receiver("backlog", options=Selector("JMSPriority = 1"), credit=1)
    assert needles.receive(timeout=10).body == "needle"
    needles.accept()
    needles.close()
    wait_until(lambda: messages_in(broker, "backlog") == 20_000, message="only the needle consumed")
    conn.close()


def test_topic_subscription_stores_only_matching_messages(broker):
    subscriber = connect(broker, container_id="painter")
    receiver = subscriber.create_receiver(
        "colors", name="reds", options=[Capabilities("topic"), DurableSubscription(), Selector("color = 'red'")], credit=10
    )
    assert remote_filter(receiver) == {"selector": str(SELECTOR_DESCRIPTOR)}
    receiver.close() if False else None
    subscriber.close()  # the durable subscription stays, with its selector
    publisher = connect(broker)
    send_colors(publisher, "colors", ["blue", "red", "green", "red"], topic=True)
    publisher.close()
    wait_until(lambda: messages_in(broker, "painter.reds") == 2, message="two red messages stored")
    subscriber = connect(broker, container_id="painter")
    receiver = subscriber.create_receiver(
        "colors", name="reds", options=[Capabilities("topic"), DurableSubscription(), Selector("color = 'red'")], credit=10
    )
    assert receive_all(receiver, 2) == ["red-1", "red-3"]
    assert_nothing_more(receiver)
    subscriber.close()


def test_changing_a_durable_subscriptions_selector_replaces_it(broker):
    subscriber = connect(broker, container_id="app")
    subscriber.create_receiver("prices", name="sub", options=[Capabilities("topic"), DurableSubscription(), Selector("color = 'red'")])
    subscriber.close()
    publisher = connect(broker)
    send_colors(publisher, "prices", ["red", "blue"], topic=True)
    wait_until(lambda: messages_in(broker, "app.sub") == 1, message="the red message stored")
    subscriber = connect(broker, container_id="app")
    receiver = subscriber.create_receiver(
        "prices", name="sub", options=[Capabilities("topic"), DurableSubscription(), Selector("color = 'blue'")], credit=10
    )
    # JMS: a new selector is a new subscription; what the old one held is gone.
    assert_nothing_more(receiver)
    send_colors(publisher, "prices", ["red", "blue"], topic=True)
    assert receive_all(receiver, 1) == ["blue-1"]
    publisher.close()
    subscriber.close()


def test_no_local_skips_the_connections_own_messages(broker):
    conn = connect(broker)
    receiver = conn.create_receiver("chat", options=[Capabilities("topic"), NO_LOCAL], credit=10)
    assert remote_filter(receiver) == {"no-local": "apache.org:no-local-filter:list"}
    send_colors(conn, "chat", ["mine"], topic=True)
    other = connect(broker)
    send_colors(other, "chat", ["theirs"], topic=True)
    assert receive_all(receiver, 1) == ["theirs-0"]
    assert_nothing_more(receiver)
    other.close()
    conn.close()


def test_browsing_with_a_selector(broker):
    conn = connect(broker)
    send_colors(conn, "stock", ["blue", "red", "red"])
    browser = conn.create_receiver("stock", options=[Copy(), Selector("color = 'red'")], credit=10)
    assert [browser.receive(timeout=5).body for _ in range(2)] == ["red-1", "red-2"]
    assert_nothing_more(browser)
    assert messages_in(broker, "stock") == 3
    conn.close()


@pytest.mark.parametrize("selector", ["color = = 'red'", "color IN ()", "x LIKE 'a' ESCAPE 'toolong'", "'unterminated"])
def test_a_malformed_selector_refuses_the_receiver_with_invalid_field(broker, selector):
    conn = connect(broker)
    with pytest.raises(LinkDetached) as refused:
        conn.create_receiver("paint", options=Selector(selector))
    assert refused.value.condition == "amqp:invalid-field"
    assert "position" in refused.value.link.remote_condition.description
    # The connection is still good.
    receiver = conn.create_receiver("paint", name="valid", options=Selector("color = 'red'"))
    assert receiver.link.state & receiver.link.REMOTE_ACTIVE
    conn.close()
    broker.assert_alive()
