"""AMQP 1.0 with python-qpid-proton, the way applications use it."""
import threading
import time

import pytest
from proton import Message, symbol, Delivery
from proton.utils import BlockingConnection
from proton.reactor import LinkOption, DurableSubscription

from conftest import wait_until


class Capabilities(LinkOption):
    """Sets source (receivers) or target (senders) capabilities, e.g. 'topic'."""

    def __init__(self, *names):
        self.names = names

    def apply(self, link):
        terminus = link.source if link.is_receiver else link.target
        for name in self.names:
            terminus.capabilities.put_object(symbol(name))


def connect(broker, **kwargs):
    return BlockingConnection(broker.amqp_url, timeout=10, **kwargs)


def test_send_and_receive_on_a_queue(broker):
    conn = connect(broker)
    sender = conn.create_sender("orders")
    for index in range(5):
        sender.send(Message(body=f"order {index}", durable=True))
    receiver = conn.create_receiver("orders", credit=10)
    bodies = []
    for _ in range(5):
        message = receiver.receive(timeout=5)
        bodies.append(message.body)
        receiver.accept()
    assert bodies == [f"order {index}" for index in range(5)]
    conn.close()


def test_multicast_to_two_receivers(broker):
    conn = connect(broker)
    first = conn.create_receiver("news", name="r1", options=Capabilities("topic"), credit=10)
    second = conn.create_receiver("news", name="r2", options=Capabilities("topic"), credit=10)
    sender = conn.create_sender("news", options=Capabilities("topic"))
    sender.send(Message(body="hello all"))
    for receiver in (first, second):
        assert receiver.receive(timeout=5).body == "hello all"
        receiver.accept()
    conn.close()


def test_credit_one_receives_exactly_one(broker):
    conn = connect(broker)
    sender = conn.create_sender("credit1")
    for index in range(3):
        sender.send(Message(body=index))
    # No prefetch (proton's prefetch tops credit up after each delivery); grant exactly one.
    receiver = conn.create_receiver("credit1", credit=0)
    receiver.link.flow(1)
    conn.wait(lambda: receiver.fetcher.has_message, timeout=5, msg="one delivery")
    assert receiver.link.credit == 0
    # The broker's side: one message in flight, two still ready, nothing more sent.
    stat = wait_until(lambda: (lambda s: s if s and s["inFlight"] == 1 else None)(broker.queue_stat("credit1")), message="broker stats")
    assert stat["messages"] == 3
    assert len(receiver.fetcher.incoming) == 1
    assert receiver.receive(timeout=5).body == 0
    receiver.accept()
    conn.close()


def test_drain_returns_with_no_messages(broker):
    conn = connect(broker)
    sender = conn.create_sender("drainq")
    sender.send(Message(body="only"))
    receiver = conn.create_receiver("drainq", credit=0)
    receiver.link.drain(10)
    # The broker sends what it has, then uses up the rest of the credit (flow with drain).
    conn.wait(lambda: receiver.fetcher.has_message and receiver.link.credit == 0, timeout=5, msg="drain to finish")
    message = receiver.receive(timeout=5)
    assert message.body == "only"
    receiver.accept()
    conn.close()


def test_released_is_redelivered_and_modified_counts(broker):
    conn = connect(broker)
    sender = conn.create_sender("redeliver")
    sender.send(Message(body="again", durable=True))
    receiver = conn.create_receiver("redeliver", credit=1)
    first = receiver.receive(timeout=5)
    assert first.delivery_count == 0
    receiver.release(delivered=False)  # released: not counted
    second = receiver.receive(timeout=5)
    assert second.body == "again"
    assert second.delivery_count == 0
    # proton's release(delivered=True) sends modified with delivery-failed unset: not counted either.
    receiver.release(delivered=True)
    third = receiver.receive(timeout=5)
    assert third.delivery_count == 0
    # modified(delivery-failed=true): counted.
    receiver.fetcher.unsettled[0].local.failed = True
    receiver.settle(Delivery.MODIFIED)
    fourth = receiver.receive(timeout=5)
    assert fourth.delivery_count == 1
    receiver.accept()
    conn.close()


def test_rejected_goes_to_the_dead_letter_queue(broker):
    conn = connect(broker)
    sender = conn.create_sender("poison")
    sender.send(Message(body="bad", durable=True))
    receiver = conn.create_receiver("poison", credit=1)
    assert receiver.receive(timeout=5).body == "bad"
    receiver.reject()
    dlq = conn.create_receiver("DLQ", credit=1)
    assert dlq.receive(timeout=5).body == "bad"
    dlq.accept()
    conn.close()


def test_priority_nine_overtakes_priority_one(broker):
    conn = connect(broker)
    sender = conn.create_sender("prio")
    sender.send(Message(body="low", priority=1, durable=True))
    sender.send(Message(body="high", priority=9, durable=True))
    receiver = conn.create_receiver("prio", credit=2)
    assert receiver.receive(timeout=5).body == "high"
    receiver.accept()
    assert receiver.receive(timeout=5).body == "low"
    receiver.accept()
    conn.close()


@pytest.mark.parametrize("size", [1 << 20, 16 << 20])
def test_large_messages(broker, size):
    conn = connect(broker)
    payload = bytes(range(256)) * (size // 256)
    sender = conn.create_sender("large")
    sender.send(Message(body=payload, durable=True), timeout=60)
    receiver = conn.create_receiver("large", credit=1)
    message = receiver.receive(timeout=60)
    assert message.body == payload
    receiver.accept()
    conn.close()


def test_ten_links_on_three_sessions(broker):
    conn = connect(broker)
    sessions = [conn.conn.session() for _ in range(3)]
    for session in sessions:
        session.open()
    # BlockingConnection makes its own session per link; use raw proton links on explicit sessions.
    links = []
    for index in range(10):
        session = sessions[index % 3]
        sender = session.sender(f"s{index}")
        sender.target.address = f"multi{index}"
        sender.open()
        links.append(sender)
    conn.wait(lambda: all(link.state & link.REMOTE_ACTIVE for link in links), msg="links attached")
    for index, link in enumerate(links):
        conn.wait(lambda: link.credit > 0, msg="credit")
        delivery = link.delivery(f"tag{index}".encode())
        link.send(Message(body=f"m{index}").encode())
        link.advance()
    conn.wait(lambda: all(link.unsettled == 0 or True for link in links), msg="sent")
    for index in range(10):
        receiver = conn.create_receiver(f"multi{index}", credit=1)
        assert receiver.receive(timeout=5).body == f"m{index}"
        receiver.accept()
    conn.close()


def test_dynamic_reply_to_request_response(broker):
    conn = connect(broker)
    reply_receiver = conn.create_receiver(None, dynamic=True, credit=1)
    reply_to = reply_receiver.remote_source.address
    assert reply_to
    requests = conn.create_sender("service")
    requests.send(Message(body="ping", reply_to=reply_to, correlation_id="c1"))

    server = connect(broker)
    incoming = server.create_receiver("service", credit=1)
    request = incoming.receive(timeout=5)
    incoming.accept()
    responder = server.create_sender(None)  # anonymous relay
    responder.send(Message(address=request.reply_to, body="pong", correlation_id=request.correlation_id))
    server.close()

    response = reply_receiver.receive(timeout=5)
    assert response.body == "pong"
    assert response.correlation_id == "c1"
    reply_receiver.accept()
    conn.close()


def test_durable_subscription_survives_receiver_reconnect(broker):
    first = connect(broker, container_id="subscriber-app")
    receiver = first.create_receiver("events", name="sub", options=[Capabilities("topic"), DurableSubscription()], credit=10)
    receiver.close() if False else None
    first.close()  # connection loss keeps the durable subscription
    publisher = connect(broker)
    publisher.create_sender("events", options=Capabilities("topic")).send(Message(body="while away", durable=True))
    publisher.close()
    second = connect(broker, container_id="subscriber-app")
    receiver = second.create_receiver("events", name="sub", options=[Capabilities("topic"), DurableSubscription()], credit=10)
    assert receiver.receive(timeout=5).body == "while away"
    receiver.accept()
    second.close()
