import NIOCore

/// The header section: transport headers the broker may change hop by hop (part 3.2.1).
public struct AMQPHeader: Hashable, Sendable {
    public static let defaultPriority: UInt8 = 4

    public var durable: Bool
    public var priority: UInt8
    /// Time to live in milliseconds; nil means the message does not expire by ttl.
    public var ttl: UInt32?
    public var firstAcquirer: Bool
    /// Failed earlier delivery attempts.
    public var deliveryCount: UInt32

    public init(
        durable: Bool = false,
        priority: UInt8 = AMQPHeader.defaultPriority,
        ttl: UInt32? = nil,
        firstAcquirer: Bool = false,
        deliveryCount: UInt32 = 0
    ) {
        self.durable = durable
        self.priority = priority
        self.ttl = ttl
        self.firstAcquirer = firstAcquirer
        self.deliveryCount = deliveryCount
    }
}

extension AMQPHeader: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.header
    static let compositeName = "header"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.durable = try decoder.readBool(&fields, "durable") ?? false
        self.priority = try decoder.readUInt8(&fields, "priority") ?? Self.defaultPriority
        self.ttl = try decoder.readUInt32(&fields, "ttl")
        self.firstAcquirer = try decoder.readBool(&fields, "first-acquirer") ?? false
        self.deliveryCount = try decoder.readUInt32(&fields, "delivery-count") ?? 0
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(self.durable, default: false, &list)
        buffer.writeField(self.priority == Self.defaultPriority ? nil : self.priority, &list)
        buffer.writeField(self.ttl, &list)
        buffer.writeField(self.firstAcquirer, default: false, &list)
        buffer.writeField(self.deliveryCount, default: 0, &list)
    }
}
