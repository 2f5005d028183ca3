import NIOCore

/// Message body (amqp-value) ending a transaction, committing unless `fail` is set (part 4.5.4).
public struct AMQPDischarge: Hashable, Sendable {
    public var transactionID: ByteBuffer
    public var fail: Bool?

    public init(transactionID: ByteBuffer, fail: Bool? = nil) {
        self.transactionID = transactionID
        self.fail = fail
    }
}

extension AMQPDischarge: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.discharge
    static let compositeName = "discharge"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.transactionID = try decoder.mandatory(decoder.readBinary(&fields, "txn-id"), "txn-id", in: fields)
        self.fail = try decoder.readBool(&fields, "fail")
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(Optional(self.transactionID), &list)
        buffer.writeField(self.fail, &list)
    }
}

extension AMQPDischarge {
    /// Decodes a discharge from the value of an amqp-value section.
    public init(decoding buffer: inout ByteBuffer) throws {
        self = try AMQPDecoder.decode(&buffer) { try $0.readComposite(AMQPDischarge.self, context: "discharge") }
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeComposite(self)
    }
}
