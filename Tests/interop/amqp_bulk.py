"""Pipelined AMQP 1.0 senders and receivers (python-qpid-proton event handlers) for tests
that move tens of thousands of messages: a blocking send per message would take minutes."""
import threading

from proton import Message
from proton.handlers import MessagingHandler
from proton.reactor import Container


class _Sender(MessagingHandler):
    def __init__(self, url, address, messages, window):
        super().__init__()
        self.url, self.address, self.messages, self.window = url, address, messages, window
        self.sent = 0
        self.settled = 0
        self.refused = []

    def on_start(self, event):
        connection = event.container.connect(self.url)
        event.container.create_sender(connection, self.address)

    def on_sendable(self, event):
        sender = event.sender
        while sender.credit and self.sent < len(self.messages) and self.sent - self.settled < self.window:
            priority, body = self.messages[self.sent]
            sender.send(Message(body=body, priority=priority, durable=True))
            self.sent += 1

    def on_accepted(self, event):
        self._settled(event)

    def on_rejected(self, event):
        self.refused.append(event.delivery.remote.condition)
        self._settled(event)

    def on_released(self, event):
        self.refused.append("released")
        self._settled(event)

    def _settled(self, event):
        self.settled += 1
        if self.settled == len(self.messages):
            event.connection.close()
        else:
            self.on_sendable(event)


def send_many(url, address, messages, window=1000, timeout=300):
    """Sends [(priority, body)] durably, `window` unsettled at a time; returns once every one
    was accepted (fails on a rejection or release)."""
    sender = _Sender(url, address, messages, window)
    container = Container(sender)
    thread = threading.Thread(target=container.run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        container.stop()
        raise AssertionError(f"sent {sender.settled} of {len(messages)} in {timeout}s")
    assert not sender.refused, f"refused: {sender.refused[:3]}"
    assert sender.settled == len(messages)


class BulkReceiver(MessagingHandler):
    """Receives from `address` with a large credit, accepting each message, in a thread;
    `bodies` grows in arrival order. With credit covering the whole run the broker hands each
    message over as it arrives, so the order seen here is the order the broker received."""

    def __init__(self, url, address, credit=100_000):
        super().__init__(prefetch=0)
        self.url, self.address, self.credit = url, address, credit
        self.bodies = []
        self.ready = threading.Event()
        self.container = Container(self)
        self.thread = threading.Thread(target=self.container.run, daemon=True)

    def start(self):
        self.thread.start()
        assert self.ready.wait(30), "the receiver did not attach"
        return self

    def on_start(self, event):
        connection = event.container.connect(self.url)
        self.receiver = event.container.create_receiver(connection, self.address)
        self.receiver.flow(self.credit)

    def on_link_opened(self, event):
        if event.receiver is not None:
            self.ready.set()

    def on_message(self, event):
        self.bodies.append(event.message.body)

    def stop(self):
        self.container.stop()
        self.thread.join(10)
