import NIOCore

/// CONNECT: the first packet a client sends (MQTT 3.1.1 section 3.1, MQTT 5.0 section 3.1).
///
/// Checks the codec leaves to the engine: an empty client identifier with clean session 0 in 3.1.1
/// (CONNACK 0x02), client identifier length and characters, and authentication.
public struct MQTTConnectPacket: Hashable, Sendable {
    /// The protocol level the client speaks; the rest of the connection uses it.
    public var protocolVersion: MQTTProtocolVersion
    public var clientIdentifier: String
    /// "Clean Start" in MQTT 5.0, "Clean Session" in MQTT 3.1.1.
    public var cleanStart: Bool
    /// Seconds; 0 turns keep alive off.
    public var keepAliveSeconds: UInt16
    public var username: String?
    public var password: ByteBuffer?
    public var will: MQTTWill?
    public var properties: MQTTProperties

    public init(
        protocolVersion: MQTTProtocolVersion,
        clientIdentifier: String,
        cleanStart: Bool = true,
        keepAliveSeconds: UInt16 = 60,
        username: String? = nil,
        password: ByteBuffer? = nil,
        will: MQTTWill? = nil,
        properties: MQTTProperties = .none
    ) {
        self.protocolVersion = protocolVersion
        self.clientIdentifier = clientIdentifier
        self.cleanStart = cleanStart
        self.keepAliveSeconds = keepAliveSeconds
        self.username = username
        self.password = password
        self.will = will
        self.properties = properties
    }
}

extension MQTTConnectPacket {
    static let protocolName = "MQTT"
    /// The name MQTT 3.1 (level 3) used; recognised only to answer "unsupported version".
    static let legacyProtocolName = "MQIsdp"

    /// Bits of the Connect Flags byte (MQTT 5.0 section 3.1.2.3).
    enum Flags {
        static let reserved: UInt8 = 0x01
        static let cleanStart: UInt8 = 0x02
        static let will: UInt8 = 0x04
        static let willQoSShift: UInt8 = 3
        static let willQoSMask: UInt8 = 0x18
        static let willRetain: UInt8 = 0x20
        static let password: UInt8 = 0x40
        static let username: UInt8 = 0x80
    }

    static func decode(
        from reader: inout MQTTPacketReader,
        validatesPayloadFormat: Bool
    ) throws(MQTTDecodingError) -> MQTTConnectPacket {
        let name = try reader.readString("Protocol Name")
        let level = try reader.readUInt8("Protocol Level")
        guard name == Self.protocolName else {
            let code: MQTTDecodingError.Code =
                name == Self.legacyProtocolName ? .unsupportedProtocolVersion : .invalidProtocolName
            throw reader.error(code, field: "Protocol Name", detail: "name \"\(name)\", level \(level)")
        }
        guard let version = MQTTProtocolVersion(rawValue: level) else {
            throw reader.error(.unsupportedProtocolVersion, field: "Protocol Level", detail: "level \(level)")
        }

        let flags = try reader.readUInt8("Connect Flags")
        guard flags & Flags.reserved == 0 else {
            throw reader.error(.invalidConnectFlags, field: "Connect Flags", detail: "reserved bit set")
        }
        let hasWill = flags & Flags.will != 0
        let rawWillQoS = (flags & Flags.willQoSMask) >> Flags.willQoSShift
        let willRetain = flags & Flags.willRetain != 0
        guard let willQoS = MQTTQoS(rawValue: rawWillQoS) else {
            throw reader.error(.invalidQoS, field: "Will QoS", detail: "value \(rawWillQoS)")
        }
        guard hasWill || (willQoS == .atMostOnce && !willRetain) else {
            throw reader.error(.invalidConnectFlags, field: "Connect Flags", detail: "will QoS or retain without will")
        }
        let hasUsername = flags & Flags.username != 0
        let hasPassword = flags & Flags.password != 0
        guard version == .v5 || hasUsername || !hasPassword else {
            throw reader.error(.invalidConnectFlags, field: "Connect Flags", detail: "password without user name")
        }

        let keepAlive = try reader.readUInt16("Keep Alive")
        let properties: MQTTProperties =
            version == .v5 ? try MQTTProperties.decode(from: &reader, context: .connect) : .none
        let clientIdentifier = try reader.readString("Client Identifier")

        var will: MQTTWill?
        if hasWill {
            let willProperties: MQTTProperties =
                version == .v5 ? try MQTTProperties.decode(from: &reader, context: .will) : .none
            let (topic, topicContainsWildcard) = try reader.readStringCheckingWildcards("Will Topic")
            guard !topic.isEmpty, !topicContainsWildcard else {
                throw reader.error(.topicNameInvalid, field: "Will Topic")
            }
            let payload = try reader.readBinary("Will Payload")
            if validatesPayloadFormat && willProperties.payloadFormatIndicator == .utf8 {
                try MQTTPublishPacket.validateUTF8Payload(payload, field: "Will Payload", reader: reader)
            }
            will = MQTTWill(topicName: topic, payload: payload, qos: willQoS, retain: willRetain, properties: willProperties)
        }
        let username = hasUsername ? try reader.readString("User Name") : nil
        let password = hasPassword ? try reader.readBinary("Password") : nil
        try reader.expectEnd(after: "CONNECT payload")

        return MQTTConnectPacket(
            protocolVersion: version,
            clientIdentifier: clientIdentifier,
            cleanStart: flags & Flags.cleanStart != 0,
            keepAliveSeconds: keepAlive,
            username: username,
            password: password,
            will: will,
            properties: properties
        )
    }

    /// Writes the packet in its own ``protocolVersion``.
    public func encode(into buffer: inout ByteBuffer) throws(MQTTEncodingError) {
        let isV5 = self.protocolVersion == .v5
        var counter = MQTTLengthCounter(packetType: .connect)
        try counter.addString(Self.protocolName, field: "Protocol Name")
        counter.add(4)  // level, flags, keep alive
        var propertiesLength = 0
        if isV5 {
            propertiesLength = try self.properties.encodedLength(context: .connect)
            try counter.addVariableByteInteger(propertiesLength, field: "Property Length")
            counter.add(propertiesLength)
        }
        try counter.addString(self.clientIdentifier, field: "Client Identifier")
        var willPropertiesLength = 0
        if let will = self.will {
            if isV5 {
                willPropertiesLength = try will.properties.encodedLength(context: .will)
                try counter.addVariableByteInteger(willPropertiesLength, field: "Will Properties Length")
                counter.add(willPropertiesLength)
            }
            try counter.addString(will.topicName, field: "Will Topic")
            try counter.addBinary(will.payload, field: "Will Payload")
        }
        if let username = self.username {
            try counter.addString(username, field: "User Name")
        }
        if let password = self.password {
            try counter.addBinary(password, field: "Password")
        }

        var flags: UInt8 = 0
        if self.cleanStart { flags |= Flags.cleanStart }
        if let will = self.will {
            flags |= Flags.will | will.qos.rawValue << Flags.willQoSShift
            if will.retain { flags |= Flags.willRetain }
        }
        if self.username != nil { flags |= Flags.username }
        if self.password != nil { flags |= Flags.password }

        try MQTTFixedHeader.write(.connect, flags: 0, remainingLength: counter.total, into: &buffer)
        buffer.writeMQTTString(Self.protocolName)
        buffer.writeInteger(self.protocolVersion.rawValue)
        buffer.writeInteger(flags)
        buffer.writeInteger(self.keepAliveSeconds)
        if isV5 {
            self.properties.write(length: propertiesLength, into: &buffer)
        }
        buffer.writeMQTTString(self.clientIdentifier)
        if let will = self.will {
            if isV5 {
                will.properties.write(length: willPropertiesLength, into: &buffer)
            }
            buffer.writeMQTTString(will.topicName)
            buffer.writeMQTTBinary(will.payload)
        }
        if let username = self.username {
            buffer.writeMQTTString(username)
        }
        if let password = self.password {
            buffer.writeMQTTBinary(password)
        }
    }
}
