import NIOCore

/// An AMQP frame (frame type 0x00, part 2.3.2) with a performative.
public struct AMQPFrame: Hashable, Sendable {
    public var channel: UInt16
    public var performative: AMQPPerformative
    /// The bytes after the performative: message data for a transfer, empty otherwise. A slice of the
    /// received buffer, never a copy.
    public var payload: ByteBuffer

    public init(channel: UInt16, performative: AMQPPerformative, payload: ByteBuffer = ByteBuffer()) {
        self.channel = channel
        self.performative = performative
        self.payload = payload
    }
}
