import NIOCore

/// The state of a delivery inside a transaction, with its provisional outcome (part 4.5.5).
public struct AMQPTransactionalState: Hashable, Sendable {
    public var transactionID: ByteBuffer
    public var outcome: AMQPDeliveryState?

    public init(transactionID: ByteBuffer, outcome: AMQPDeliveryState? = nil) {
        self.transactionID = transactionID
        self.outcome = outcome
    }
}

extension AMQPTransactionalState: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.transactionalState
    static let compositeName = "transactional-state"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.transactionID = try decoder.mandatory(decoder.readBinary(&fields, "txn-id"), "txn-id", in: fields)
        self.outcome = try decoder.readDeliveryState(&fields, "outcome")
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(Optional(self.transactionID), &list)
        buffer.writeDeliveryStateField(self.outcome, &list)
    }
}
