import NIOCore

/// PUBREC: first acknowledgement of a QoS 2 PUBLISH (MQTT 3.1.1 section 3.5, MQTT 5.0 section 3.5).
///
/// MQTT 3.1.1 carries only the Packet Identifier; the encoder drops the reason code and properties.
public struct MQTTPubRecPacket: MQTTAcknowledgementPacket {
    public var packetIdentifier: UInt16
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = .none) {
        self.packetIdentifier = packetIdentifier
        self.reasonCode = reasonCode
        self.properties = properties
    }

    public static let packetType = MQTTPacketType.pubRec
}
