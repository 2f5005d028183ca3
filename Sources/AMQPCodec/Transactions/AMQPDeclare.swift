import NIOCore

/// Message body (amqp-value) asking a coordinator to start a transaction (part 4.5.2).
public struct AMQPDeclare: Hashable, Sendable {
    /// For distributed transactions, which this codec only carries.
    public var globalID: AMQPValue?

    public init(globalID: AMQPValue? = nil) {
        self.globalID = globalID
    }
}

extension AMQPDeclare: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.declare
    static let compositeName = "declare"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.globalID = try decoder.readAnyValue(&fields, "global-id")
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(self.globalID, &list)
    }
}

extension AMQPDeclare {
    /// Decodes a declare from the value of an amqp-value section.
    public init(decoding buffer: inout ByteBuffer) throws {
        self = try AMQPDecoder.decode(&buffer) { try $0.readComposite(AMQPDeclare.self, context: "declare") }
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeComposite(self)
    }
}
