/// The type byte of the frame header (part 2.3.1).
enum AMQPFrameType {
    static let amqp: UInt8 = 0x00
    static let sasl: UInt8 = 0x01
}

/// Sizes of the fixed frame header (part 2.3.1).
enum AMQPFrameHeader {
    /// size (4) + doff (1) + type (1) + type-specific (2).
    static let size = 8
    /// doff counts 4-byte words; 2 words is the header without extension.
    static let minimumDataOffset: UInt8 = 2
    static let dataOffsetUnit = 4
}
