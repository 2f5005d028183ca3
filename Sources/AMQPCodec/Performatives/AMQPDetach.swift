import NIOCore

/// Detaches a link, closing it when `closed` is set (part 2.7.7).
public struct AMQPDetach: Hashable, Sendable {
    public var handle: UInt32
    public var closed: Bool
    public var error: AMQPError?

    public init(handle: UInt32, closed: Bool = false, error: AMQPError? = nil) {
        self.handle = handle
        self.closed = closed
        self.error = error
    }
}

extension AMQPDetach: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.detach
    static let compositeName = "detach"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.handle = try decoder.mandatory(decoder.readUInt32(&fields, "handle"), "handle", in: fields)
        self.closed = try decoder.readBool(&fields, "closed") ?? false
        self.error = try decoder.readComposite(AMQPError.self, &fields, "error")
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(Optional(self.handle), &list)
        buffer.writeField(self.closed, default: false, &list)
        buffer.writeField(self.error, &list)
    }
}
