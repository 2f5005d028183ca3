import NIOCore

/// UNSUBSCRIBE: the client removes subscriptions (MQTT 3.1.1 section 3.10, MQTT 5.0 section 3.10).
public struct MQTTUnsubscribePacket: Hashable, Sendable {
    public var packetIdentifier: UInt16
    /// At least one.
    public var topicFilters: [String]
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, topicFilters: [String], properties: MQTTProperties = .none) {
        self.packetIdentifier = packetIdentifier
        self.topicFilters = topicFilters
        self.properties = properties
    }
}

extension MQTTUnsubscribePacket {
    static func decode(
        from reader: inout MQTTPacketReader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTUnsubscribePacket {
        let packetIdentifier = try reader.readPacketIdentifier()
        let properties: MQTTProperties =
            version == .v5 ? try MQTTProperties.decode(from: &reader, context: .unsubscribe) : .none
        guard !reader.isAtEnd else {
            throw reader.error(.emptyPayload, field: "Topic Filter", detail: "no topic filters")
        }
        var topicFilters: [String] = []
        while !reader.isAtEnd {
            let topicFilter = try reader.readString("Topic Filter")
            guard !topicFilter.isEmpty else {
                throw reader.error(.topicFilterInvalid, field: "Topic Filter", detail: "empty")
            }
            topicFilters.append(topicFilter)
        }
        return MQTTUnsubscribePacket(packetIdentifier: packetIdentifier, topicFilters: topicFilters, properties: properties)
    }

    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        var counter = MQTTLengthCounter(packetType: .unsubscribe)
        counter.add(2)
        var propertiesLength = 0
        if version == .v5 {
            propertiesLength = try self.properties.encodedLength(context: .unsubscribe)
            try counter.addVariableByteInteger(propertiesLength, field: "Property Length")
            counter.add(propertiesLength)
        }
        for topicFilter in self.topicFilters {
            try counter.addString(topicFilter, field: "Topic Filter")
        }
        try MQTTFixedHeader.write(
            .unsubscribe,
            flags: MQTTPacketType.unsubscribe.requiredFixedHeaderFlags,
            remainingLength: counter.total,
            into: &buffer
        )
        buffer.writeInteger(self.packetIdentifier)
        if version == .v5 {
            self.properties.write(length: propertiesLength, into: &buffer)
        }
        for topicFilter in self.topicFilters {
            buffer.writeMQTTString(topicFilter)
        }
    }
}
