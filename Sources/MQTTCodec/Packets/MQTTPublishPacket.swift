import NIOCore

/// PUBLISH: an application message in either direction (MQTT 3.1.1 section 3.3, MQTT 5.0 section 3.3).
///
/// The payload is a slice of the received bytes, not a copy. Topic Alias resolution is the engine's
/// job: in MQTT 5.0 ``topicName`` may be empty when ``MQTTProperties/topicAlias`` is set.
public struct MQTTPublishPacket: Hashable, Sendable {
    public var topicName: String
    public var payload: ByteBuffer
    public var qos: MQTTQoS
    public var retain: Bool
    /// The DUP flag: this may be a redelivery. Always false at QoS 0.
    public var duplicate: Bool
    /// Present exactly when ``qos`` is 1 or 2.
    public var packetIdentifier: UInt16?
    public var properties: MQTTProperties

    public init(
        topicName: String,
        payload: ByteBuffer,
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        duplicate: Bool = false,
        packetIdentifier: UInt16? = nil,
        properties: MQTTProperties = .none
    ) {
        self.topicName = topicName
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.duplicate = duplicate
        self.packetIdentifier = packetIdentifier
        self.properties = properties
    }
}

extension MQTTPublishPacket {
    /// Fixed header flag bits of PUBLISH (MQTT 5.0 section 3.3.1).
    enum Flags {
        static let duplicate: UInt8 = 0x08
        static let qosShift: UInt8 = 1
        static let qosMask: UInt8 = 0x06
        static let retain: UInt8 = 0x01
    }

    static func decode(
        from reader: inout MQTTPacketReader,
        flags: UInt8,
        version: MQTTProtocolVersion,
        validatesPayloadFormat: Bool
    ) throws(MQTTDecodingError) -> MQTTPublishPacket {
        let rawQoS = (flags & Flags.qosMask) >> Flags.qosShift
        guard let qos = MQTTQoS(rawValue: rawQoS) else {
            throw reader.error(.invalidQoS, field: "QoS", detail: "value \(rawQoS)")
        }
        let duplicate = flags & Flags.duplicate != 0
        guard !duplicate || qos != .atMostOnce else {
            // MQTT-3.3.1-2: DUP must be 0 at QoS 0.
            throw reader.error(.invalidFixedHeaderFlags, field: "DUP", detail: "set at QoS 0")
        }
        let (topicName, topicContainsWildcard) = try reader.readStringCheckingWildcards("Topic Name")
        guard !topicContainsWildcard else {
            throw reader.error(.topicNameInvalid, field: "Topic Name", detail: "contains a wildcard")
        }
        let packetIdentifier: UInt16? = qos == .atMostOnce ? nil : try reader.readPacketIdentifier()
        let properties: MQTTProperties
        switch version {
        case .v3_1_1:
            properties = .none
            guard !topicName.isEmpty else {
                throw reader.error(.topicNameInvalid, field: "Topic Name", detail: "empty")
            }
        case .v5:
            properties = try MQTTProperties.decode(from: &reader, context: .publish)
            guard !topicName.isEmpty || properties.topicAlias != nil else {
                throw reader.error(.topicNameInvalid, field: "Topic Name", detail: "empty without a Topic Alias")
            }
        }
        let payload = reader.readRest()
        if validatesPayloadFormat && properties.payloadFormatIndicator == .utf8 {
            try Self.validateUTF8Payload(payload, field: "Payload", reader: reader)
        }
        return MQTTPublishPacket(
            topicName: topicName,
            payload: payload,
            qos: qos,
            retain: flags & Flags.retain != 0,
            duplicate: duplicate,
            packetIdentifier: packetIdentifier,
            properties: properties
        )
    }

    /// MQTT 5.0 section 3.3.2.3.2: a receiver may check a payload marked as UTF-8 and answer 0x99.
    static func validateUTF8Payload(
        _ payload: ByteBuffer,
        field: String,
        reader: MQTTPacketReader
    ) throws(MQTTDecodingError) {
        let result = payload.withUnsafeReadableBytes { MQTTUTF8Validator.validate($0, allowNullCharacter: true) }
        guard case .valid = result else {
            throw reader.error(.payloadFormatInvalid, field: field, detail: "not UTF-8")
        }
    }

    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        var counter = MQTTLengthCounter(packetType: .publish)
        try counter.addString(self.topicName, field: "Topic Name")
        var flags = self.qos.rawValue << Flags.qosShift
        if self.qos != .atMostOnce {
            guard self.packetIdentifier != nil else {
                throw MQTTEncodingError(code: .missingPacketIdentifier, packetType: .publish, field: "Packet Identifier")
            }
            counter.add(2)
            if self.duplicate { flags |= Flags.duplicate }
        }
        if self.retain { flags |= Flags.retain }
        var propertiesLength = 0
        if version == .v5 {
            propertiesLength = try self.properties.encodedLength(context: .publish)
            try counter.addVariableByteInteger(propertiesLength, field: "Property Length")
            counter.add(propertiesLength)
        }
        counter.add(self.payload.readableBytes)

        try MQTTFixedHeader.write(.publish, flags: flags, remainingLength: counter.total, into: &buffer)
        self.writeTopicAndPacketIdentifier(into: &buffer)
        if version == .v5 {
            self.properties.write(length: propertiesLength, into: &buffer)
        }
        buffer.writeImmutableBuffer(self.payload)
    }

    /// Writes the Topic Name and Packet Identifier with one buffer access instead of four: this is the
    /// hottest write of a broker.
    @inline(__always)
    private func writeTopicAndPacketIdentifier(into buffer: inout ByteBuffer) {
        var topicName = self.topicName
        let packetIdentifier = self.qos == .atMostOnce ? nil : self.packetIdentifier
        topicName.withUTF8 { topic in
            let length = 2 + topic.count + (packetIdentifier == nil ? 0 : 2)
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { target in
                target.storeBytes(of: UInt16(truncatingIfNeeded: topic.count).bigEndian, as: UInt16.self)
                UnsafeMutableRawBufferPointer(rebasing: target[2...]).copyMemory(from: UnsafeRawBufferPointer(topic))
                if let packetIdentifier {
                    target.storeBytes(of: packetIdentifier.bigEndian, toByteOffset: 2 + topic.count, as: UInt16.self)
                }
                return length
            }
        }
    }
}
