import NIOCore

/// Negotiates connection parameters (part 2.7.1).
public struct AMQPOpen: Hashable, Sendable {
    public static let defaultMaxFrameSize = UInt32.max
    public static let defaultChannelMax = UInt16.max

    public var containerID: String
    public var hostname: String?
    public var maxFrameSize: UInt32
    public var channelMax: UInt16
    /// Milliseconds; nil means the peer has no idle timeout.
    public var idleTimeOut: UInt32?
    public var outgoingLocales: [String]
    public var incomingLocales: [String]
    public var offeredCapabilities: [String]
    public var desiredCapabilities: [String]
    public var properties: AMQPMap

    public init(
        containerID: String,
        hostname: String? = nil,
        maxFrameSize: UInt32 = AMQPOpen.defaultMaxFrameSize,
        channelMax: UInt16 = AMQPOpen.defaultChannelMax,
        idleTimeOut: UInt32? = nil,
        outgoingLocales: [String] = [],
        incomingLocales: [String] = [],
        offeredCapabilities: [String] = [],
        desiredCapabilities: [String] = [],
        properties: AMQPMap = AMQPMap()
    ) {
        self.containerID = containerID
        self.hostname = hostname
        self.maxFrameSize = maxFrameSize
        self.channelMax = channelMax
        self.idleTimeOut = idleTimeOut
        self.outgoingLocales = outgoingLocales
        self.incomingLocales = incomingLocales
        self.offeredCapabilities = offeredCapabilities
        self.desiredCapabilities = desiredCapabilities
        self.properties = properties
    }
}

extension AMQPOpen: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.open
    static let compositeName = "open"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.containerID = try decoder.mandatory(
            decoder.readString(&fields, "container-id"),
            "container-id",
            in: fields
        )
        self.hostname = try decoder.readString(&fields, "hostname")
        self.maxFrameSize = try decoder.readUInt32(&fields, "max-frame-size") ?? Self.defaultMaxFrameSize
        self.channelMax = try decoder.readUInt16(&fields, "channel-max") ?? Self.defaultChannelMax
        self.idleTimeOut = try decoder.readUInt32(&fields, "idle-time-out")
        self.outgoingLocales = try decoder.readSymbols(&fields, "outgoing-locales") ?? []
        self.incomingLocales = try decoder.readSymbols(&fields, "incoming-locales") ?? []
        self.offeredCapabilities = try decoder.readSymbols(&fields, "offered-capabilities") ?? []
        self.desiredCapabilities = try decoder.readSymbols(&fields, "desired-capabilities") ?? []
        self.properties = try decoder.readMap(&fields, "properties") ?? AMQPMap()
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeStringField(self.containerID, &list)
        buffer.writeStringField(self.hostname, &list)
        buffer.writeField(self.maxFrameSize, default: Self.defaultMaxFrameSize, &list)
        buffer.writeField(self.channelMax == Self.defaultChannelMax ? nil : self.channelMax, &list)
        buffer.writeField(self.idleTimeOut, &list)
        buffer.writeSymbolsField(self.outgoingLocales, &list)
        buffer.writeSymbolsField(self.incomingLocales, &list)
        buffer.writeSymbolsField(self.offeredCapabilities, &list)
        buffer.writeSymbolsField(self.desiredCapabilities, &list)
        buffer.writeField(self.properties.isEmpty ? nil : self.properties, &list)
    }
}
