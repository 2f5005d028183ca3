"""Prometheus metrics count real traffic of both protocols."""
import re
import subprocess
import urllib.request

from proton import Message
from proton.utils import BlockingConnection

from conftest import wait_until


def scrape(broker) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{broker.management_port}/metrics", timeout=5) as response:
        return response.read().decode()


def counter(text: str, name: str, protocol: str) -> float:
    match = re.search(rf'^{name}\{{protocol="{protocol}"\}} ([0-9.e+]+)$', text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_messages_in_and_out_are_counted_per_protocol(broker):
    subprocess.run(
        ["mosquitto_pub", "-p", str(broker.mqtt_port), "-t", "metrics/mqtt", "-q", "1", "-l"],
        input="".join(f"m{index}\n" for index in range(5)), text=True, check=True, timeout=30,
    )
    connection = BlockingConnection(broker.amqp_url)
    try:
        sender = connection.create_sender("metrics-queue")
        for index in range(3):
            sender.send(Message(body=f"a{index}", durable=True))
        receiver = connection.create_receiver("metrics-queue", credit=3)
        for _ in range(3):
            receiver.receive(timeout=10)
            receiver.accept()
    finally:
        connection.close()

    def counted():
        text = scrape(broker)
        return (
            counter(text, "outpost_messages_in_total", "mqtt") >= 5
            and counter(text, "outpost_messages_in_total", "amqp") >= 3
            and counter(text, "outpost_messages_out_total", "amqp") >= 3
        ) and text

    text = wait_until(counted, timeout=10, message="traffic counters")
    assert counter(text, "outpost_messages_in_total", "amqp") == 3
    assert counter(text, "outpost_messages_in_total", "mqtt") == 5
