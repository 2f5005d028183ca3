/// The raw bits of an IEEE 754-2008 decimal128; AMQP only transports them.
public struct AMQPDecimal128: Hashable, Sendable {
    /// The first eight bytes, big-endian.
    public var high: UInt64
    /// The last eight bytes, big-endian.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
}
