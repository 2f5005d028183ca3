import NIOCore

/// PUBACK: acknowledges a QoS 1 PUBLISH (MQTT 3.1.1 section 3.4, MQTT 5.0 section 3.4).
///
/// MQTT 3.1.1 carries only the Packet Identifier; the encoder drops the reason code and properties.
public struct MQTTPubAckPacket: Hashable, Sendable {
    public var packetIdentifier: UInt16
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = .none) {
        self.packetIdentifier = packetIdentifier
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTPubAckPacket {
    static func decode(
        from reader: inout MQTTPacketReader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTPubAckPacket {
        let fields = try MQTTPublishAcknowledgement.decode(from: &reader, version: version, context: .pubAck)
        return MQTTPubAckPacket(
            packetIdentifier: fields.packetIdentifier,
            reasonCode: fields.reasonCode,
            properties: fields.properties
        )
    }

    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        let fields = MQTTPublishAcknowledgement(
            packetIdentifier: self.packetIdentifier,
            reasonCode: self.reasonCode,
            properties: self.properties
        )
        try fields.encode(.pubAck, into: &buffer, version: version)
    }
}
