import NIOCore

/// Carries (part of) a message on a link (part 2.7.5). The message bytes are the frame's payload,
/// `AMQPFrame.payload`, which stays a slice of the received buffer.
public struct AMQPTransfer: Hashable, Sendable {
    public var handle: UInt32
    /// Mandatory on the first transfer of a delivery; may be omitted on continuations.
    public var deliveryID: UInt32?
    public var deliveryTag: ByteBuffer?
    public var messageFormat: UInt32?
    public var settled: Bool?
    /// More transfers of the same delivery follow.
    public var more: Bool
    public var receiverSettleMode: AMQPReceiverSettleMode?
    public var state: AMQPDeliveryState?
    public var resume: Bool
    public var aborted: Bool
    public var batchable: Bool

    public init(
        handle: UInt32,
        deliveryID: UInt32? = nil,
        deliveryTag: ByteBuffer? = nil,
        messageFormat: UInt32? = nil,
        settled: Bool? = nil,
        more: Bool = false,
        receiverSettleMode: AMQPReceiverSettleMode? = nil,
        state: AMQPDeliveryState? = nil,
        resume: Bool = false,
        aborted: Bool = false,
        batchable: Bool = false
    ) {
        self.handle = handle
        self.deliveryID = deliveryID
        self.deliveryTag = deliveryTag
        self.messageFormat = messageFormat
        self.settled = settled
        self.more = more
        self.receiverSettleMode = receiverSettleMode
        self.state = state
        self.resume = resume
        self.aborted = aborted
        self.batchable = batchable
    }
}

extension AMQPTransfer: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.transfer
    static let compositeName = "transfer"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.handle = try decoder.mandatory(decoder.readUInt32(&fields, "handle"), "handle", in: fields)
        self.deliveryID = try decoder.readUInt32(&fields, "delivery-id")
        self.deliveryTag = try decoder.readBinary(&fields, "delivery-tag")
        self.messageFormat = try decoder.readUInt32(&fields, "message-format")
        self.settled = try decoder.readBool(&fields, "settled")
        self.more = try decoder.readBool(&fields, "more") ?? false
        self.receiverSettleMode = try decoder.readEnumeration(&fields, "rcv-settle-mode")
        self.state = try decoder.readDeliveryState(&fields, "state")
        self.resume = try decoder.readBool(&fields, "resume") ?? false
        self.aborted = try decoder.readBool(&fields, "aborted") ?? false
        self.batchable = try decoder.readBool(&fields, "batchable") ?? false
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(Optional(self.handle), &list)
        buffer.writeField(self.deliveryID, &list)
        buffer.writeField(self.deliveryTag, &list)
        buffer.writeField(self.messageFormat, &list)
        buffer.writeField(self.settled, &list)
        buffer.writeField(self.more, default: false, &list)
        buffer.writeField(self.receiverSettleMode?.rawValue, &list)
        buffer.writeDeliveryStateField(self.state, &list)
        buffer.writeField(self.resume, default: false, &list)
        buffer.writeField(self.aborted, default: false, &list)
        buffer.writeField(self.batchable, default: false, &list)
    }
}

extension AMQPTransfer {
    /// Encodes the common transfer (no state, or a field-less outcome) through the direct-memory writer;
    /// anything else takes the general composite path.
    func encode(into buffer: inout ByteBuffer) {
        let stateDescriptor: UInt64?
        switch self.state {
        case .none: stateDescriptor = nil
        case .accepted: stateDescriptor = AMQPDescriptor.accepted
        case .released: stateDescriptor = AMQPDescriptor.released
        case .received, .rejected, .modified, .declared, .transactional:
            return buffer.writeComposite(self)
        }
        // handle, delivery-id, message-format: 5 each; tag: 5 + length; state: 4; seven one-byte fields.
        let maximumFieldBytes = 15 + 5 + (self.deliveryTag?.readableBytes ?? 0) + 4 + 7 + 2
        buffer.writeScalarComposite(
            descriptorCode: UInt8(truncatingIfNeeded: Self.descriptorCode),
            maximumFieldBytes: maximumFieldBytes
        ) { fields in
            fields.write(Optional(self.handle))
            fields.write(self.deliveryID)
            fields.write(self.deliveryTag)
            fields.write(self.messageFormat)
            fields.write(self.settled)
            fields.write(self.more, default: false)
            fields.write(self.receiverSettleMode?.rawValue)
            if let stateDescriptor {
                fields.writeSimpleOutcome(descriptorCode: stateDescriptor)
            } else {
                fields.writeNull()
            }
            fields.write(self.resume, default: false)
            fields.write(self.aborted, default: false)
            fields.write(self.batchable, default: false)
        }
    }
}
