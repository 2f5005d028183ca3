/// The engine carries AMQP errors in `Result` values and throws them from link resolution.
extension AMQPError: Error {}
