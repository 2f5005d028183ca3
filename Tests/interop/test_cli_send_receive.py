"""`outpost send` / `outpost receive` over AMQP 1.0 against a running daemon."""
import json
import subprocess

from proton import Message
from proton.utils import BlockingConnection

from conftest import outpost_binary


def run(*args, timeout=60):
    result = subprocess.run([outpost_binary(), *args], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def test_send_ten_then_receive_ten(broker):
    sent = run("send", "cli-orders", "--body", "order-{index}", "--count", "10", "--url", broker.amqp_url)
    assert "sent 10 messages to cli-orders" in sent.stdout
    received = run("receive", "cli-orders", "--count", "10", "--timeout", "30", "--url", broker.amqp_url)
    assert received.stdout.splitlines() == [f"order-{index}" for index in range(10)]
    # Accepted after printing: nothing is left.
    conn = BlockingConnection(broker.amqp_url, timeout=10)
    try:
        receiver = conn.create_receiver("cli-orders", credit=1)
        try:
            receiver.receive(timeout=0.5)
            raise AssertionError("a message was left on the queue")
        except Exception as error:  # proton.Timeout
            assert "Timeout" in type(error).__name__ or "timeout" in str(error).lower()
    finally:
        conn.close()


def test_receive_json_shows_priority_and_properties(broker):
    conn = BlockingConnection(broker.amqp_url, timeout=10)
    try:
        conn.create_sender("cli-json").send(Message(body="hello", priority=7, durable=True, properties={"site": "north"}))
    finally:
        conn.close()
    received = run("receive", "cli-json", "--count", "1", "--json", "--timeout", "30", "--url", broker.amqp_url)
    record = json.loads(received.stdout.strip())
    assert record["body"] == "hello"
    assert record["priority"] == 7
    assert record["properties"]["site"] == "north"


def test_send_priority_and_size_reach_a_proton_receiver(broker):
    run("send", "cli-sized", "--size", "100000", "--priority", "9", "--durable", "--url", broker.amqp_url)
    conn = BlockingConnection(broker.amqp_url, timeout=10)
    try:
        receiver = conn.create_receiver("cli-sized", credit=1)
        message = receiver.receive(timeout=10)
        receiver.accept()
        assert message.body == "x" * 100000
        assert message.priority == 9
        assert message.durable
    finally:
        conn.close()


def test_receive_times_out_with_fewer_messages(broker):
    result = subprocess.run(
        [outpost_binary(), "receive", "cli-empty", "--count", "1", "--timeout", "1", "--url", broker.amqp_url],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 1
    assert "received 0 of 1" in result.stderr
