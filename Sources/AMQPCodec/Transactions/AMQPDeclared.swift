import NIOCore

/// The outcome of a successful declare, carrying the new transaction id (part 4.5.3).
public struct AMQPDeclared: Hashable, Sendable {
    public var transactionID: ByteBuffer

    public init(transactionID: ByteBuffer) {
        self.transactionID = transactionID
    }
}

extension AMQPDeclared: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.declared
    static let compositeName = "declared"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.transactionID = try decoder.mandatory(decoder.readBinary(&fields, "txn-id"), "txn-id", in: fields)
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(Optional(self.transactionID), &list)
    }
}
