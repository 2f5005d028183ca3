import NIOCore

/// Attaches a link to a session (part 2.7.3).
public struct AMQPAttach: Hashable, Sendable {
    public var name: String
    public var handle: UInt32
    public var role: AMQPRole
    public var senderSettleMode: AMQPSenderSettleMode
    public var receiverSettleMode: AMQPReceiverSettleMode
    public var source: AMQPSource?
    public var target: AMQPLinkTarget?
    /// Delivery tag (binary) to delivery state, for link recovery; empty when absent.
    public var unsettled: AMQPMap
    public var incompleteUnsettled: Bool
    /// Mandatory when the sender attaches.
    public var initialDeliveryCount: UInt32?
    public var maxMessageSize: UInt64?
    public var offeredCapabilities: [String]
    public var desiredCapabilities: [String]
    public var properties: AMQPMap

    public init(
        name: String,
        handle: UInt32,
        role: AMQPRole,
        senderSettleMode: AMQPSenderSettleMode = .mixed,
        receiverSettleMode: AMQPReceiverSettleMode = .first,
        source: AMQPSource? = nil,
        target: AMQPLinkTarget? = nil,
        unsettled: AMQPMap = AMQPMap(),
        incompleteUnsettled: Bool = false,
        initialDeliveryCount: UInt32? = nil,
        maxMessageSize: UInt64? = nil,
        offeredCapabilities: [String] = [],
        desiredCapabilities: [String] = [],
        properties: AMQPMap = AMQPMap()
    ) {
        self.name = name
        self.handle = handle
        self.role = role
        self.senderSettleMode = senderSettleMode
        self.receiverSettleMode = receiverSettleMode
        self.source = source
        self.target = target
        self.unsettled = unsettled
        self.incompleteUnsettled = incompleteUnsettled
        self.initialDeliveryCount = initialDeliveryCount
        self.maxMessageSize = maxMessageSize
        self.offeredCapabilities = offeredCapabilities
        self.desiredCapabilities = desiredCapabilities
        self.properties = properties
    }
}

extension AMQPAttach: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.attach
    static let compositeName = "attach"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.name = try decoder.mandatory(decoder.readString(&fields, "name"), "name", in: fields)
        self.handle = try decoder.mandatory(decoder.readUInt32(&fields, "handle"), "handle", in: fields)
        self.role = AMQPRole(wireValue: try decoder.mandatory(decoder.readBool(&fields, "role"), "role", in: fields))
        self.senderSettleMode = try decoder.readEnumeration(&fields, "snd-settle-mode") ?? .mixed
        self.receiverSettleMode = try decoder.readEnumeration(&fields, "rcv-settle-mode") ?? .first
        self.source = try decoder.readComposite(AMQPSource.self, &fields, "source")
        self.target = try decoder.readLinkTarget(&fields)
        self.unsettled = try decoder.readMap(&fields, "unsettled") ?? AMQPMap()
        self.incompleteUnsettled = try decoder.readBool(&fields, "incomplete-unsettled") ?? false
        self.initialDeliveryCount = try decoder.readUInt32(&fields, "initial-delivery-count")
        self.maxMessageSize = try decoder.readUnsigned(&fields, "max-message-size")
        self.offeredCapabilities = try decoder.readSymbols(&fields, "offered-capabilities") ?? []
        self.desiredCapabilities = try decoder.readSymbols(&fields, "desired-capabilities") ?? []
        self.properties = try decoder.readMap(&fields, "properties") ?? AMQPMap()
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeStringField(self.name, &list)
        buffer.writeField(Optional(self.handle), &list)
        buffer.writeField(Optional(self.role.wireValue), &list)
        buffer.writeField(self.senderSettleMode == .mixed ? nil : self.senderSettleMode.rawValue, &list)
        buffer.writeField(self.receiverSettleMode == .first ? nil : self.receiverSettleMode.rawValue, &list)
        buffer.writeField(self.source, &list)
        switch self.target {
        case .none: buffer.writeNullField(&list)
        case .target(let target): buffer.writeField(Optional(target), &list)
        case .coordinator(let coordinator): buffer.writeField(Optional(coordinator), &list)
        }
        buffer.writeField(self.unsettled.isEmpty ? nil : self.unsettled, &list)
        buffer.writeField(self.incompleteUnsettled, default: false, &list)
        buffer.writeField(self.initialDeliveryCount, &list)
        buffer.writeField(self.maxMessageSize, &list)
        buffer.writeSymbolsField(self.offeredCapabilities, &list)
        buffer.writeSymbolsField(self.desiredCapabilities, &list)
        buffer.writeField(self.properties.isEmpty ? nil : self.properties, &list)
    }
}

extension AMQPDecoder {
    /// A ubyte-coded enumeration such as a settle mode; unknown values are errors.
    mutating func readEnumeration<Enumeration: RawRepresentable>(
        _ fields: inout AMQPFieldReader,
        _ field: String
    ) throws -> Enumeration? where Enumeration.RawValue == UInt8 {
        let valueOffset = self.offset
        guard let raw = try self.readUInt8(&fields, field) else { return nil }
        guard let value = Enumeration(rawValue: raw) else {
            throw self.error(.valueOutOfRange, fields.context(field), at: valueOffset)
        }
        return value
    }

    mutating func readLinkTarget(_ fields: inout AMQPFieldReader) throws -> AMQPLinkTarget? {
        guard fields.takeField() else { return nil }
        if self.readNullIfPresent() {
            return nil
        }
        let descriptorOffset = self.offset
        switch try self.readDescriptorCode(fields.context("target")) {
        case AMQPDescriptor.target:
            return .target(try self.readFields(of: AMQPTarget.self))
        case AMQPDescriptor.coordinator:
            return .coordinator(try self.readFields(of: AMQPCoordinator.self))
        default:
            throw self.error(.unexpectedDescriptor, fields.context("target"), at: descriptorOffset)
        }
    }
}
