/// The control packet type in bits 7-4 of the fixed header (MQTT 5.0 section 2.1.2).
public enum MQTTPacketType: UInt8, Hashable, Sendable, CaseIterable {
    case connect = 1
    case connAck = 2
    case publish = 3
    case pubAck = 4
    case pubRec = 5
    case pubRel = 6
    case pubComp = 7
    case subscribe = 8
    case subAck = 9
    case unsubscribe = 10
    case unsubAck = 11
    case pingReq = 12
    case pingResp = 13
    case disconnect = 14
    /// MQTT 5.0 only; the value is reserved in MQTT 3.1.1.
    case auth = 15
}

extension MQTTPacketType {
    /// The flag bits (3-0) that every packet but PUBLISH must carry (MQTT 5.0 section 2.1.3).
    var requiredFixedHeaderFlags: UInt8 {
        switch self {
        case .pubRel, .subscribe, .unsubscribe:
            return 0b0010
        case .connect, .connAck, .publish, .pubAck, .pubRec, .pubComp, .subAck, .unsubAck, .pingReq, .pingResp,
            .disconnect, .auth:
            return 0
        }
    }
}
