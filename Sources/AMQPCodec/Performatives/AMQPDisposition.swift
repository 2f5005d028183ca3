import NIOCore

/// Informs the peer of delivery state changes for a range of delivery ids (part 2.7.6).
public struct AMQPDisposition: Hashable, Sendable {
    public var role: AMQPRole
    public var first: UInt32
    /// Inclusive; nil means the range is just `first`.
    public var last: UInt32?
    public var settled: Bool
    public var state: AMQPDeliveryState?
    public var batchable: Bool

    public init(
        role: AMQPRole,
        first: UInt32,
        last: UInt32? = nil,
        settled: Bool = false,
        state: AMQPDeliveryState? = nil,
        batchable: Bool = false
    ) {
        self.role = role
        self.first = first
        self.last = last
        self.settled = settled
        self.state = state
        self.batchable = batchable
    }
}

extension AMQPDisposition: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.disposition
    static let compositeName = "disposition"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.role = AMQPRole(wireValue: try decoder.mandatory(decoder.readBool(&fields, "role"), "role", in: fields))
        self.first = try decoder.mandatory(decoder.readUInt32(&fields, "first"), "first", in: fields)
        self.last = try decoder.readUInt32(&fields, "last")
        self.settled = try decoder.readBool(&fields, "settled") ?? false
        self.state = try decoder.readDeliveryState(&fields, "state")
        self.batchable = try decoder.readBool(&fields, "batchable") ?? false
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(Optional(self.role.wireValue), &list)
        buffer.writeField(Optional(self.first), &list)
        buffer.writeField(self.last, &list)
        buffer.writeField(self.settled, default: false, &list)
        buffer.writeDeliveryStateField(self.state, &list)
        buffer.writeField(self.batchable, default: false, &list)
    }
}

extension AMQPDisposition {
    /// Encodes the common disposition (no state, or a field-less outcome) through the direct-memory writer.
    func encode(into buffer: inout ByteBuffer) {
        let stateDescriptor: UInt64?
        switch self.state {
        case .none: stateDescriptor = nil
        case .accepted: stateDescriptor = AMQPDescriptor.accepted
        case .released: stateDescriptor = AMQPDescriptor.released
        case .received, .rejected, .modified, .declared, .transactional:
            return buffer.writeComposite(self)
        }
        buffer.writeScalarComposite(
            descriptorCode: UInt8(truncatingIfNeeded: Self.descriptorCode),
            maximumFieldBytes: 20
        ) {
            fields in
            fields.write(Optional(self.role.wireValue))
            fields.write(Optional(self.first))
            fields.write(self.last)
            fields.write(self.settled, default: false)
            if let stateDescriptor {
                fields.writeSimpleOutcome(descriptorCode: stateDescriptor)
            } else {
                fields.writeNull()
            }
            fields.write(self.batchable, default: false)
        }
    }
}
