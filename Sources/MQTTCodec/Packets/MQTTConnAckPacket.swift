import NIOCore

/// CONNACK: the server's answer to CONNECT (MQTT 3.1.1 section 3.2, MQTT 5.0 section 3.2).
///
/// ``reasonCode`` always holds an MQTT 5.0 reason code. For MQTT 3.1.1 the codec translates to and
/// from the six return codes: 0x84 is sent as 0x01, 0x85 as 0x02, 0x86 as 0x04, 0x87 as 0x05, and
/// other failures as 0x03 (server unavailable).
public struct MQTTConnAckPacket: Hashable, Sendable {
    public var sessionPresent: Bool
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(sessionPresent: Bool = false, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = .none) {
        self.sessionPresent = sessionPresent
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTConnAckPacket {
    private static let sessionPresentFlag: UInt8 = 0x01

    static func decode(
        from reader: inout MQTTPacketReader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTConnAckPacket {
        let acknowledgeFlags = try reader.readUInt8("Connect Acknowledge Flags")
        guard acknowledgeFlags & ~Self.sessionPresentFlag == 0 else {
            throw reader.error(.invalidConnAckFlags, field: "Connect Acknowledge Flags", detail: "reserved bits set")
        }
        let sessionPresent = acknowledgeFlags & Self.sessionPresentFlag != 0
        let rawReasonCode = try reader.readUInt8(version == .v5 ? "Connect Reason Code" : "Connect Return Code")
        let reasonCode: MQTTReasonCode
        var properties = MQTTProperties.none
        switch version {
        case .v3_1_1:
            guard let code = MQTTReasonCode(connectReturnCodeV3: rawReasonCode) else {
                throw reader.error(.invalidReasonCode, field: "Connect Return Code", detail: "value \(rawReasonCode)")
            }
            reasonCode = code
        case .v5:
            reasonCode = MQTTReasonCode(rawValue: rawReasonCode)
            guard reasonCode.isValid(in: .connAck) else {
                throw reader.error(.invalidReasonCode, field: "Connect Reason Code", detail: "value \(reasonCode)")
            }
            properties = try MQTTProperties.decode(from: &reader, context: .connAck)
        }
        // MQTT-3.2.2-6 (5.0) and MQTT-3.2.2-4 (3.1.1).
        guard !sessionPresent || reasonCode == .success else {
            throw reader.error(.invalidConnAckFlags, field: "Session Present", detail: "set on a refusal")
        }
        try reader.expectEnd(after: "Properties")
        return MQTTConnAckPacket(sessionPresent: sessionPresent, reasonCode: reasonCode, properties: properties)
    }

    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        let flags: UInt8 = self.sessionPresent ? Self.sessionPresentFlag : 0
        switch version {
        case .v3_1_1:
            try MQTTFixedHeader.write(.connAck, flags: 0, remainingLength: 2, into: &buffer)
            buffer.writeInteger(flags)
            buffer.writeInteger(self.reasonCode.connectReturnCodeV3)
        case .v5:
            let propertiesLength = try self.properties.encodedLength(context: .connAck)
            var counter = MQTTLengthCounter(packetType: .connAck)
            counter.add(2)
            try counter.addVariableByteInteger(propertiesLength, field: "Property Length")
            counter.add(propertiesLength)
            try MQTTFixedHeader.write(.connAck, flags: 0, remainingLength: counter.total, into: &buffer)
            buffer.writeInteger(flags)
            buffer.writeInteger(self.reasonCode.rawValue)
            self.properties.write(length: propertiesLength, into: &buffer)
        }
    }
}
