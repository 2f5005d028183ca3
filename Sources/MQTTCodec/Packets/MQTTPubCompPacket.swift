import NIOCore

/// PUBCOMP: completes the QoS 2 exchange (MQTT 3.1.1 section 3.7, MQTT 5.0 section 3.7).
///
/// MQTT 3.1.1 carries only the Packet Identifier; the encoder drops the reason code and properties.
public struct MQTTPubCompPacket: Hashable, Sendable {
    public var packetIdentifier: UInt16
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = .none) {
        self.packetIdentifier = packetIdentifier
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTPubCompPacket {
    static func decode(
        from reader: inout MQTTPacketReader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTPubCompPacket {
        let fields = try MQTTPublishAcknowledgement.decode(from: &reader, version: version, context: .pubComp)
        return MQTTPubCompPacket(
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
        try fields.encode(.pubComp, into: &buffer, version: version)
    }
}
