/// Every MQTT control packet, for both protocol versions (MQTT 3.1.1 chapter 3, MQTT 5.0 chapter 3).
///
/// A closed enum so the engine switches over it exhaustively; each payload is a plain struct.
public enum MQTTPacket: Hashable, Sendable {
    /// Boxed: CONNECT is the largest packet and comes once per connection, so it should not size the enum.
    indirect case connect(MQTTConnectPacket)
    case connAck(MQTTConnAckPacket)
    case publish(MQTTPublishPacket)
    case pubAck(MQTTPubAckPacket)
    case pubRec(MQTTPubRecPacket)
    case pubRel(MQTTPubRelPacket)
    case pubComp(MQTTPubCompPacket)
    case subscribe(MQTTSubscribePacket)
    case subAck(MQTTSubAckPacket)
    case unsubscribe(MQTTUnsubscribePacket)
    case unsubAck(MQTTUnsubAckPacket)
    /// PINGREQ has no fields (section 3.12).
    case pingReq
    /// PINGRESP has no fields (section 3.13).
    case pingResp
    case disconnect(MQTTDisconnectPacket)
    /// MQTT 5.0 only.
    case auth(MQTTAuthPacket)

    public var packetType: MQTTPacketType {
        switch self {
        case .connect: return .connect
        case .connAck: return .connAck
        case .publish: return .publish
        case .pubAck: return .pubAck
        case .pubRec: return .pubRec
        case .pubRel: return .pubRel
        case .pubComp: return .pubComp
        case .subscribe: return .subscribe
        case .subAck: return .subAck
        case .unsubscribe: return .unsubscribe
        case .unsubAck: return .unsubAck
        case .pingReq: return .pingReq
        case .pingResp: return .pingResp
        case .disconnect: return .disconnect
        case .auth: return .auth
        }
    }
}
