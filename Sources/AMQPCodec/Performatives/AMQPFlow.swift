import NIOCore

/// Updates session and link flow-control state (part 2.7.4). Link fields are set only when `handle` is.
public struct AMQPFlow: Hashable, Sendable {
    public var nextIncomingID: UInt32?
    public var incomingWindow: UInt32
    public var nextOutgoingID: UInt32
    public var outgoingWindow: UInt32
    public var handle: UInt32?
    public var deliveryCount: UInt32?
    public var linkCredit: UInt32?
    public var available: UInt32?
    public var drain: Bool
    public var echo: Bool
    public var properties: AMQPMap

    public init(
        nextIncomingID: UInt32? = nil,
        incomingWindow: UInt32,
        nextOutgoingID: UInt32,
        outgoingWindow: UInt32,
        handle: UInt32? = nil,
        deliveryCount: UInt32? = nil,
        linkCredit: UInt32? = nil,
        available: UInt32? = nil,
        drain: Bool = false,
        echo: Bool = false,
        properties: AMQPMap = AMQPMap()
    ) {
        self.nextIncomingID = nextIncomingID
        self.incomingWindow = incomingWindow
        self.nextOutgoingID = nextOutgoingID
        self.outgoingWindow = outgoingWindow
        self.handle = handle
        self.deliveryCount = deliveryCount
        self.linkCredit = linkCredit
        self.available = available
        self.drain = drain
        self.echo = echo
        self.properties = properties
    }
}

extension AMQPFlow: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.flow
    static let compositeName = "flow"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.nextIncomingID = try decoder.readUInt32(&fields, "next-incoming-id")
        self.incomingWindow = try decoder.mandatory(
            decoder.readUInt32(&fields, "incoming-window"),
            "incoming-window",
            in: fields
        )
        self.nextOutgoingID = try decoder.mandatory(
            decoder.readUInt32(&fields, "next-outgoing-id"),
            "next-outgoing-id",
            in: fields
        )
        self.outgoingWindow = try decoder.mandatory(
            decoder.readUInt32(&fields, "outgoing-window"),
            "outgoing-window",
            in: fields
        )
        self.handle = try decoder.readUInt32(&fields, "handle")
        self.deliveryCount = try decoder.readUInt32(&fields, "delivery-count")
        self.linkCredit = try decoder.readUInt32(&fields, "link-credit")
        self.available = try decoder.readUInt32(&fields, "available")
        self.drain = try decoder.readBool(&fields, "drain") ?? false
        self.echo = try decoder.readBool(&fields, "echo") ?? false
        self.properties = try decoder.readMap(&fields, "properties") ?? AMQPMap()
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(self.nextIncomingID, &list)
        buffer.writeField(Optional(self.incomingWindow), &list)
        buffer.writeField(Optional(self.nextOutgoingID), &list)
        buffer.writeField(Optional(self.outgoingWindow), &list)
        buffer.writeField(self.handle, &list)
        buffer.writeField(self.deliveryCount, &list)
        buffer.writeField(self.linkCredit, &list)
        buffer.writeField(self.available, &list)
        buffer.writeField(self.drain, default: false, &list)
        buffer.writeField(self.echo, default: false, &list)
        buffer.writeField(self.properties.isEmpty ? nil : self.properties, &list)
    }
}

extension AMQPFlow {
    /// Encodes a flow without properties through the direct-memory writer.
    func encode(into buffer: inout ByteBuffer) {
        guard self.properties.isEmpty else {
            return buffer.writeComposite(self)
        }
        buffer.writeScalarComposite(
            descriptorCode: UInt8(truncatingIfNeeded: Self.descriptorCode),
            maximumFieldBytes: 45
        ) {
            fields in
            fields.write(self.nextIncomingID)
            fields.write(Optional(self.incomingWindow))
            fields.write(Optional(self.nextOutgoingID))
            fields.write(Optional(self.outgoingWindow))
            fields.write(self.handle)
            fields.write(self.deliveryCount)
            fields.write(self.linkCredit)
            fields.write(self.available)
            fields.write(self.drain, default: false)
            fields.write(self.echo, default: false)
        }
    }
}
