import NIOCore

extension AMQPValue {
    /// Decodes one value at the buffer's reader index and advances past it. On error the buffer is
    /// left unchanged.
    public init(decoding buffer: inout ByteBuffer) throws {
        self = try AMQPDecoder.decode(&buffer) { try $0.readValue() }
    }
}
