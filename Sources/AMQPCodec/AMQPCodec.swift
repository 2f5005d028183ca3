// placeholder: the AMQP 1.0 codec lives here.
