import NIOCore

/// SUBSCRIBE: the client asks for messages on topic filters (MQTT 3.1.1 section 3.8, MQTT 5.0 section 3.8).
public struct MQTTSubscribePacket: Hashable, Sendable {
    public var packetIdentifier: UInt16
    /// At least one.
    public var subscriptions: [MQTTSubscription]
    /// MQTT 5.0: at most one Subscription Identifier, and User Properties.
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, subscriptions: [MQTTSubscription], properties: MQTTProperties = .none) {
        self.packetIdentifier = packetIdentifier
        self.subscriptions = subscriptions
        self.properties = properties
    }
}

extension MQTTSubscribePacket {
    static func decode(
        from reader: inout MQTTPacketReader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTSubscribePacket {
        let packetIdentifier = try reader.readPacketIdentifier()
        let properties: MQTTProperties =
            version == .v5 ? try MQTTProperties.decode(from: &reader, context: .subscribe) : .none
        guard !reader.isAtEnd else {
            // MQTT-3.8.3-3 (5.0) and MQTT-3.8.3-3 (3.1.1).
            throw reader.error(.emptyPayload, field: "Topic Filter", detail: "no subscriptions")
        }
        var subscriptions: [MQTTSubscription] = []
        while !reader.isAtEnd {
            let topicFilter = try reader.readString("Topic Filter")
            guard !topicFilter.isEmpty else {
                throw reader.error(.topicFilterInvalid, field: "Topic Filter", detail: "empty")
            }
            let optionsByte = try reader.readUInt8("Subscription Options")
            let options = try MQTTSubscriptionOptions.decode(optionsByte, version: version, reader: reader)
            subscriptions.append(MQTTSubscription(topicFilter: topicFilter, options: options))
        }
        return MQTTSubscribePacket(packetIdentifier: packetIdentifier, subscriptions: subscriptions, properties: properties)
    }

    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        var counter = MQTTLengthCounter(packetType: .subscribe)
        counter.add(2)
        var propertiesLength = 0
        if version == .v5 {
            propertiesLength = try self.properties.encodedLength(context: .subscribe)
            try counter.addVariableByteInteger(propertiesLength, field: "Property Length")
            counter.add(propertiesLength)
        }
        for subscription in self.subscriptions {
            try counter.addString(subscription.topicFilter, field: "Topic Filter")
            counter.add(1)
        }
        try MQTTFixedHeader.write(
            .subscribe,
            flags: MQTTPacketType.subscribe.requiredFixedHeaderFlags,
            remainingLength: counter.total,
            into: &buffer
        )
        buffer.writeInteger(self.packetIdentifier)
        if version == .v5 {
            self.properties.write(length: propertiesLength, into: &buffer)
        }
        for subscription in self.subscriptions {
            buffer.writeMQTTString(subscription.topicFilter)
            buffer.writeInteger(subscription.options.encoded(version: version))
        }
    }
}
