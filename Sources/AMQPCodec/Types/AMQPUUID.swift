/// A 16-byte UUID as sent on the wire (RFC 4122 byte order), without a dependency on Foundation.
public struct AMQPUUID: Hashable, Sendable {
    /// The first eight bytes, big-endian.
    public var high: UInt64
    /// The last eight bytes, big-endian.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
}
