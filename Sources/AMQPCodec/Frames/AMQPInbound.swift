/// What the frame decoder yields: everything a peer can send on the wire.
public enum AMQPInbound: Hashable, Sendable {
    /// A protocol header, at the start and again after each security layer (TLS, SASL).
    case protocolHeader(AMQPProtocolHeader)
    case frame(AMQPFrame)
    case saslFrame(AMQPSASLPerformative)
    /// An AMQP frame with an empty body, sent to keep the connection from idling out (part 2.4.5).
    case heartbeat
}
