import NIOCore

/// Closes the connection, with the error that caused it if any (part 2.7.9).
public struct AMQPClose: Hashable, Sendable {
    public var error: AMQPError?

    public init(error: AMQPError? = nil) {
        self.error = error
    }
}

extension AMQPClose: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.close
    static let compositeName = "close"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.error = try decoder.readComposite(AMQPError.self, &fields, "error")
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(self.error, &list)
    }
}
