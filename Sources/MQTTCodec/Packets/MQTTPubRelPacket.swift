import NIOCore

/// PUBREL: releases a QoS 2 message after PUBREC (MQTT 3.1.1 section 3.6, MQTT 5.0 section 3.6).
///
/// MQTT 3.1.1 carries only the Packet Identifier; the encoder drops the reason code and properties.
public struct MQTTPubRelPacket: MQTTAcknowledgementPacket {
    public var packetIdentifier: UInt16
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = .none) {
        self.packetIdentifier = packetIdentifier
        self.reasonCode = reasonCode
        self.properties = properties
    }

    public static let packetType = MQTTPacketType.pubRel
}
