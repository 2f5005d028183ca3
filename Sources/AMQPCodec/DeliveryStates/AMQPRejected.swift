import NIOCore

/// The rejected outcome: the message is invalid and will not be processed (part 3.4.3).
public struct AMQPRejected: Hashable, Sendable {
    public var error: AMQPError?

    public init(error: AMQPError? = nil) {
        self.error = error
    }
}

extension AMQPRejected: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.rejected
    static let compositeName = "rejected"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.error = try decoder.readComposite(AMQPError.self, &fields, "error")
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(self.error, &list)
    }
}
