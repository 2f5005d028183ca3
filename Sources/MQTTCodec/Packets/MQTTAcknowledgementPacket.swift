import NIOCore

/// PUBACK, PUBREC, PUBREL and PUBCOMP: four packets with one layout (a Packet Identifier,
/// then in MQTT 5.0 an optional Reason Code and properties). Each is its own type so the
/// engine cannot confuse them; the coding lives here once.
public protocol MQTTAcknowledgementPacket: Hashable, Sendable {
    var packetIdentifier: UInt16 { get set }
    var reasonCode: MQTTReasonCode { get set }
    var properties: MQTTProperties { get set }
    init(packetIdentifier: UInt16, reasonCode: MQTTReasonCode, properties: MQTTProperties)
    /// Which of the four packets this is.
    static var packetType: MQTTPacketType { get }
}

extension MQTTAcknowledgementPacket {
    private static var propertyContext: MQTTPropertyContext {
        switch Self.packetType {
        case .pubAck: .pubAck
        case .pubRec: .pubRec
        case .pubRel: .pubRel
        case .pubComp: .pubComp
        case .connect, .connAck, .publish, .subscribe, .subAck, .unsubscribe, .unsubAck, .pingReq, .pingResp, .disconnect, .auth:
            preconditionFailure("\(Self.packetType) is not an acknowledgement packet")
        }
    }

    static func decode(from reader: inout MQTTPacketReader, version: MQTTProtocolVersion) throws(MQTTDecodingError) -> Self {
        let fields = try MQTTPublishAcknowledgement.decode(from: &reader, version: version, context: Self.propertyContext)
        return Self(packetIdentifier: fields.packetIdentifier, reasonCode: fields.reasonCode, properties: fields.properties)
    }

    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        let fields = MQTTPublishAcknowledgement(
            packetIdentifier: self.packetIdentifier,
            reasonCode: self.reasonCode,
            properties: self.properties
        )
        try fields.encode(Self.propertyContext, into: &buffer, version: version)
    }
}
