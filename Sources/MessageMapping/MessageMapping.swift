// The AMQP <-> MQTT message mapping lives here (see docs/protocols.md).
