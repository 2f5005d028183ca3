import NIOCore

/// Ends a session, with the error that caused it if any (part 2.7.8).
public struct AMQPEnd: Hashable, Sendable {
    public var error: AMQPError?

    public init(error: AMQPError? = nil) {
        self.error = error
    }
}

extension AMQPEnd: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.end
    static let compositeName = "end"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.error = try decoder.readComposite(AMQPError.self, &fields, "error")
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(self.error, &list)
    }
}
