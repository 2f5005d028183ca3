"""The daemon as an operator starts it."""
import socket

from conftest import wait_until


def test_listeners_accept_connections(broker):
    for port in (broker.amqp_port, broker.mqtt_port):
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    broker.assert_alive()


def test_sigterm_stops_cleanly(broker):
    assert broker.stop() == 0
    assert "outpost stopped" in broker.log


def test_port_in_use_is_a_clear_error(broker, broker_factory):
    try:
        broker_factory(extra_args=["--amqp-port", str(broker.amqp_port)], name="second")
    except RuntimeError as error:
        assert "cannot listen for amqp" in str(error)
    else:
        raise AssertionError("a second broker on the same AMQP port started")
