import NIOCore

/// Begins a session on a channel (part 2.7.2).
public struct AMQPBegin: Hashable, Sendable {
    public static let defaultHandleMax = UInt32.max

    /// The channel of the peer's begin when this begin answers it; nil when this end initiates.
    public var remoteChannel: UInt16?
    public var nextOutgoingID: UInt32
    public var incomingWindow: UInt32
    public var outgoingWindow: UInt32
    public var handleMax: UInt32
    public var offeredCapabilities: [String]
    public var desiredCapabilities: [String]
    public var properties: AMQPMap

    public init(
        remoteChannel: UInt16? = nil,
        nextOutgoingID: UInt32,
        incomingWindow: UInt32,
        outgoingWindow: UInt32,
        handleMax: UInt32 = AMQPBegin.defaultHandleMax,
        offeredCapabilities: [String] = [],
        desiredCapabilities: [String] = [],
        properties: AMQPMap = AMQPMap()
    ) {
        self.remoteChannel = remoteChannel
        self.nextOutgoingID = nextOutgoingID
        self.incomingWindow = incomingWindow
        self.outgoingWindow = outgoingWindow
        self.handleMax = handleMax
        self.offeredCapabilities = offeredCapabilities
        self.desiredCapabilities = desiredCapabilities
        self.properties = properties
    }
}

extension AMQPBegin: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.begin
    static let compositeName = "begin"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.remoteChannel = try decoder.readUInt16(&fields, "remote-channel")
        self.nextOutgoingID = try decoder.mandatory(
            decoder.readUInt32(&fields, "next-outgoing-id"),
            "next-outgoing-id",
            in: fields
        )
        self.incomingWindow = try decoder.mandatory(
            decoder.readUInt32(&fields, "incoming-window"),
            "incoming-window",
            in: fields
        )
        self.outgoingWindow = try decoder.mandatory(
            decoder.readUInt32(&fields, "outgoing-window"),
            "outgoing-window",
            in: fields
        )
        self.handleMax = try decoder.readUInt32(&fields, "handle-max") ?? Self.defaultHandleMax
        self.offeredCapabilities = try decoder.readSymbols(&fields, "offered-capabilities") ?? []
        self.desiredCapabilities = try decoder.readSymbols(&fields, "desired-capabilities") ?? []
        self.properties = try decoder.readMap(&fields, "properties") ?? AMQPMap()
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(self.remoteChannel, &list)
        buffer.writeField(Optional(self.nextOutgoingID), &list)
        buffer.writeField(Optional(self.incomingWindow), &list)
        buffer.writeField(Optional(self.outgoingWindow), &list)
        buffer.writeField(self.handleMax, default: Self.defaultHandleMax, &list)
        buffer.writeSymbolsField(self.offeredCapabilities, &list)
        buffer.writeSymbolsField(self.desiredCapabilities, &list)
        buffer.writeField(self.properties.isEmpty ? nil : self.properties, &list)
    }
}
