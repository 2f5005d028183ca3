"""AMQP 1.0 browsing (source distribution-mode copy) with python-qpid-proton's Copy() option."""
import pytest
from proton import Message, Terminus, Timeout, symbol
from proton.reactor import AtLeastOnce, Copy
from proton.utils import BlockingConnection, LinkDetached

from conftest import wait_until


def connect(broker):
    return BlockingConnection(broker.amqp_url, timeout=10)


def browse_all(conn, address, expected, unsettled=False):
    """Browses `address` until `expected` messages came, then checks nothing else is there.

    By default the broker sends browsed messages pre-settled; with `unsettled` the receiver asks for
    unsettled deliveries and accepts each one, which must not remove anything.
    """
    options = [Copy(), AtLeastOnce()] if unsettled else Copy()
    browser = conn.create_receiver(address, options=options, credit=expected)
    assert browser.link.remote_source.distribution_mode == Terminus.DIST_MODE_COPY
    bodies = []
    for _ in range(expected):
        bodies.append(browser.receive(timeout=5).body)
        if unsettled:
            browser.accept()
    with pytest.raises(Timeout):
        browser.receive(timeout=0.5)
    browser.close()
    return bodies


def messages_in(broker, name):
    stat = broker.queue_stat(name)
    return stat["messages"] if stat else None


def test_browsing_twice_then_consuming(broker):
    conn = connect(broker)
    sender = conn.create_sender("catalog")
    for index in range(10):
        sender.send(Message(body=f"item {index}", durable=True))
    expected = [f"item {index}" for index in range(10)]

    assert browse_all(conn, "catalog", 10) == expected
    # Nothing was consumed: a second browse sees the same messages, also when it accepts them.
    assert browse_all(conn, "catalog", 10, unsettled=True) == expected
    assert messages_in(broker, "catalog") == 10

    consumer = conn.create_receiver("catalog", credit=10)
    consumed = []
    for _ in range(10):
        consumed.append(consumer.receive(timeout=5).body)
        consumer.accept()
    assert consumed == expected
    # Closing runs proton's I/O, so the last dispositions go out before the detach.
    consumer.close()
    wait_until(lambda: messages_in(broker, "catalog") == 0, message="queue emptied by the consumer")
    conn.close()


def test_browsing_follows_priority_then_fifo(broker):
    conn = connect(broker)
    sender = conn.create_sender("ranked")
    sender.send(Message(body="low", priority=1, durable=True))
    sender.send(Message(body="first", durable=True))
    sender.send(Message(body="second", durable=True))
    sender.send(Message(body="high", priority=9, durable=True))
    assert browse_all(conn, "ranked", 4) == ["high", "first", "second", "low"]
    conn.close()


def test_browser_with_credit_one_pages_through(broker):
    conn = connect(broker)
    sender = conn.create_sender("paged")
    for index in range(5):
        sender.send(Message(body=index))
    # credit=None: proton grants one credit at a time, before each receive.
    browser = conn.create_receiver("paged", options=Copy())
    assert [browser.receive(timeout=5).body for _ in range(5)] == list(range(5))
    conn.close()


def test_browser_attached_before_messages_sees_them(broker):
    conn = connect(broker)
    browser = conn.create_receiver("later", options=Copy(), credit=10)
    with pytest.raises(Timeout):
        browser.receive(timeout=0.3)

    producer = connect(broker)
    sender = producer.create_sender("later")
    for index in range(3):
        sender.send(Message(body=f"late {index}", durable=True))
    producer.close()

    assert [browser.receive(timeout=5).body for _ in range(3)] == [f"late {index}" for index in range(3)]
    assert messages_in(broker, "later") == 3
    conn.close()


def test_drain_on_a_browser_finishes(broker):
    conn = connect(broker)
    sender = conn.create_sender("drained")
    sender.send(Message(body="one"))
    sender.send(Message(body="two"))
    browser = conn.create_receiver("drained", options=Copy(), credit=0)
    browser.link.drain(10)
    # Both messages come, then the broker uses up the remaining credit (flow with drain).
    conn.wait(lambda: len(browser.fetcher.incoming) == 2 and browser.link.credit == 0, timeout=5, msg="drain to finish")
    assert [browser.receive(timeout=5).body for _ in range(2)] == ["one", "two"]
    assert messages_in(broker, "drained") == 2
    conn.close()


def test_browsing_a_topic_is_refused(broker):
    conn = connect(broker)
    # A raw link, so that the topic capability is set before the attach goes out.
    session = conn.conn.session()
    session.open()
    link = session.receiver("topic-browser")
    link.source.address = "headlines"
    link.source.distribution_mode = Terminus.DIST_MODE_COPY
    link.source.capabilities.put_object(symbol("topic"))
    link.open()
    with pytest.raises(LinkDetached) as refused:
        conn.wait(lambda: link.state & link.REMOTE_CLOSED, msg="link refused")
    assert refused.value.condition == "amqp:not-implemented"
    assert "multicast" in link.remote_condition.description
    conn.close()
