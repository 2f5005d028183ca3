extension MQTTReasonCode {
    /// Whether the specification lists this reason code for the packet type (MQTT 5.0 sections 3.2.2.2,
    /// 3.4.2.1, 3.5.2.1, 3.6.2.1, 3.7.2.1, 3.9.3, 3.11.3, 3.14.2.1, 3.15.2.1). A receiver treats any
    /// other value as a malformed packet.
    func isValid(in packetType: MQTTPacketType) -> Bool {
        switch packetType {
        case .connAck:
            return Self.connAckCodes.contains(self.rawValue)
        case .pubAck, .pubRec:
            return Self.publishAcknowledgementCodes.contains(self.rawValue)
        case .pubRel, .pubComp:
            return self == .success || self == .packetIdentifierNotFound
        case .subAck:
            return Self.subAckCodes.contains(self.rawValue)
        case .unsubAck:
            return Self.unsubAckCodes.contains(self.rawValue)
        case .disconnect:
            return Self.disconnectCodes.contains(self.rawValue)
        case .auth:
            return self == .success || self == .continueAuthentication || self == .reAuthenticate
        case .connect, .publish, .subscribe, .unsubscribe, .pingReq, .pingResp:
            return false
        }
    }

    private static let connAckCodes: [UInt8] = [
        0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99,
        0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
    ]
    private static let publishAcknowledgementCodes: [UInt8] = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]
    private static let subAckCodes: [UInt8] = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2]
    private static let unsubAckCodes: [UInt8] = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91]
    private static let disconnectCodes: [UInt8] = [
        0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97,
        0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
    ]
}
