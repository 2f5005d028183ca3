"""AMQP 1.0 local transactions with python-qpid-proton, the way applications use them:
`container.declare_transaction(connection, handler)`, `transaction.send(...)`,
`transaction.accept(delivery)`, `commit()` / `abort()`.
"""
import random
import threading

from proton import Message
from proton.handlers import MessagingHandler, TransactionHandler
from proton.reactor import Container
from proton.utils import BlockingConnection

from conftest import wait_until


def queue_depth(node, name):
    stat = node.queue_stat(name)
    return 0 if stat is None else stat["messages"]


class _TransactionalClient(MessagingHandler, TransactionHandler):
    """Declares one transaction; sends `sends` to `send_to` and accepts `accept_count` messages
    from `receive_from` inside it; then commits or aborts. Records what happened."""

    def __init__(self, url, send_to=None, sends=(), receive_from=None, accept_count=0, commit=True, on_discharge_sent=None):
        super().__init__(prefetch=0, auto_accept=False)
        self.url, self.send_to, self.sends = url, send_to, list(sends)
        self.receive_from, self.accept_count, self.commit = receive_from, accept_count, commit
        self.on_discharge_sent = on_discharge_sent
        self.received = []
        self.outcome = None
        self.done = threading.Event()
        self.transaction = None
        self.sender = None

    def on_start(self, event):
        self.connection = event.container.connect(self.url)
        if self.send_to:
            self.sender = event.container.create_sender(self.connection, self.send_to)
        if self.receive_from:
            self.receiver = event.container.create_receiver(self.connection, self.receive_from)
        event.container.declare_transaction(self.connection, handler=self)

    def on_transaction_declared(self, event):
        self.transaction = event.transaction
        if self.receive_from and self.accept_count:
            self.receiver.flow(self.accept_count)
        self._maybe_send()

    def on_sendable(self, event):
        self._maybe_send()

    def _maybe_send(self):
        if not self.transaction or not self.sender or not self.sender.credit:
            return
        while self.sends and self.sender.credit:
            self.transaction.send(self.sender, Message(body=self.sends.pop(0), durable=True))
        self._maybe_discharge()

    def on_message(self, event):
        self.received.append(event.message.body)
        self.transaction.accept(event.delivery)
        self._maybe_discharge()

    def _maybe_discharge(self):
        if self.sends or len(self.received) < self.accept_count or self.outcome is not None:
            return
        self.outcome = "discharging"
        if self.commit:
            self.transaction.commit()
        else:
            self.transaction.abort()
        if self.on_discharge_sent:
            self.on_discharge_sent()

    def on_transaction_committed(self, event):
        self._finish("committed")

    def on_transaction_aborted(self, event):
        self._finish("aborted")

    def on_transaction_declare_failed(self, event):
        self._finish("declare-failed")

    def on_transaction_commit_failed(self, event):
        self._finish("commit-failed")

    def on_transport_error(self, event):
        # The broker went away (the kill -9 tests): nothing more will happen.
        self.done.set()

    def on_disconnected(self, event):
        self.done.set()

    def _finish(self, outcome):
        self.outcome = outcome
        self.connection.close()
        self.done.set()


def run(client, timeout=30):
    container = Container(client)
    thread = threading.Thread(target=container.run, daemon=True)
    thread.start()
    finished = client.done.wait(timeout)
    if not finished:
        container.stop()
    thread.join(10)
    return finished


def send_plain(node, address, bodies):
    conn = BlockingConnection(node.amqp_url, timeout=30)
    try:
        sender = conn.create_sender(address)
        for body in bodies:
            sender.send(Message(body=body, durable=True))
    finally:
        conn.close()


def receive_plain(node, address, count):
    conn = BlockingConnection(node.amqp_url, timeout=30)
    messages = []
    try:
        receiver = conn.create_receiver(address, credit=count)
        for _ in range(count):
            messages.append(receiver.receive(timeout=30))
            receiver.accept()
    finally:
        conn.close()
    return messages


def test_transactional_send_is_visible_only_after_commit(broker):
    bodies = [f"t-{index}" for index in range(10)]
    client = _TransactionalClient(broker.amqp_url, send_to="txn/commit", sends=bodies)
    assert run(client)
    assert client.outcome == "committed"
    assert [message.body for message in receive_plain(broker, "txn/commit", 10)] == bodies


def test_transactional_send_then_rollback_leaves_nothing(broker):
    client = _TransactionalClient(broker.amqp_url, send_to="txn/rollback", sends=["a", "b", "c"], commit=False)
    assert run(client)
    assert client.outcome == "aborted"
    assert queue_depth(broker, "txn/rollback") == 0


def test_transactional_acknowledge_then_rollback_redelivers_in_order(broker):
    send_plain(broker, "txn/acks", ["m0", "m1", "m2"])
    client = _TransactionalClient(broker.amqp_url, receive_from="txn/acks", accept_count=3, commit=False)
    assert run(client)
    assert client.outcome == "aborted"
    assert client.received == ["m0", "m1", "m2"]
    again = receive_plain(broker, "txn/acks", 3)
    assert [message.body for message in again] == ["m0", "m1", "m2"]
    # The rolled-back attempt counts: delivery-count 1 on redelivery.
    assert [message.delivery_count for message in again] == [1, 1, 1]


def test_send_and_acknowledge_commit_together(broker):
    send_plain(broker, "txn/in", ["job-1", "job-2"])
    client = _TransactionalClient(broker.amqp_url, send_to="txn/out", sends=["done-1", "done-2"], receive_from="txn/in", accept_count=2)
    assert run(client)
    assert client.outcome == "committed"
    assert queue_depth(broker, "txn/in") == 0
    assert [message.body for message in receive_plain(broker, "txn/out", 2)] == ["done-1", "done-2"]


def test_a_connection_that_ends_with_an_open_transaction_rolls_it_back(broker):
    send_plain(broker, "txn/abandoned", ["kept"])

    class Abandoning(_TransactionalClient):
        def _maybe_discharge(self):
            if self.sends or len(self.received) < self.accept_count or self.outcome is not None:
                return
            self.outcome = "abandoned"
            self.connection.close()
            self.done.set()

    client = Abandoning(broker.amqp_url, send_to="txn/abandoned-out", sends=["never"], receive_from="txn/abandoned", accept_count=1)
    assert run(client)
    wait_until(lambda: queue_depth(broker, "txn/abandoned") == 1 and broker.queue_stat("txn/abandoned")["inFlight"] == 0,
               message="the acknowledged message back in its queue")
    assert queue_depth(broker, "txn/abandoned-out") == 0


def test_kill9_between_declare_and_discharge_leaves_nothing(broker):
    staged = threading.Event()

    class Stalling(_TransactionalClient):
        """Sends 50 messages in the transaction and never discharges it."""

        settled_count = 0

        def _maybe_discharge(self):
            pass

        def on_settled(self, event):
            # The broker settles each transactional transfer once it is staged.
            if event.link == self.sender:
                self.settled_count += 1
                if self.settled_count == 50:
                    staged.set()

    client = Stalling(broker.amqp_url, send_to="txn/killed", sends=[f"k-{index}" for index in range(50)])
    container = Container(client)
    threading.Thread(target=container.run, daemon=True).start()
    assert staged.wait(30), "the broker did not take the 50 transactional transfers"
    broker.kill9()
    container.stop()
    broker.start()
    assert queue_depth(broker, "txn/killed") == 0


def test_kill9_during_discharge_gives_all_or_nothing(broker):
    count = 500
    outcomes = []
    for round_number in range(6):
        address = f"txn/racing-{round_number}"
        # Killed at a random moment shortly after the discharge goes out: before, during or
        # after the commit. Whatever the moment, the transaction is all there or not at all.
        delay = random.uniform(0.0, 0.1)
        client = _TransactionalClient(
            broker.amqp_url, send_to=address, sends=[f"r-{index}" for index in range(count)],
            on_discharge_sent=lambda: threading.Timer(delay, broker.kill9).start(),
        )
        run(client, timeout=15)
        wait_until(lambda: broker.process.poll() is not None, message="the kill")
        broker.start()
        depth = queue_depth(broker, address)
        assert depth in (0, count), f"{depth} of {count} messages survived: the commit was not atomic"
        if client.outcome == "committed":
            assert depth == count, "a commit acknowledged to the client was lost"
        outcomes.append((client.outcome, depth))
    print(f"kill -9 during discharge, messages visible after each restart: {outcomes}")
