import AMQPCodec

/// A peer broke the protocol in a way that ends the connection: the state machine answers with
/// `close` carrying `error`.
struct AMQPProtocolViolation: Error {
    var error: AMQPError

    init(_ condition: AMQPErrorCondition, _ description: String) {
        self.error = AMQPError(condition: condition, description: description)
    }
}
