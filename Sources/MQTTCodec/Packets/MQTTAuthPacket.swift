import NIOCore

/// AUTH: a step of extended authentication, MQTT 5.0 only (section 3.15).
public struct MQTTAuthPacket: Hashable, Sendable {
    /// Success, Continue authentication or Re-authenticate.
    public var reasonCode: MQTTReasonCode
    /// Authentication Method and Data, Reason String, User Properties.
    public var properties: MQTTProperties

    public init(reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = .none) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTAuthPacket {
    static func decode(from reader: inout MQTTPacketReader) throws(MQTTDecodingError) -> MQTTAuthPacket {
        var packet = MQTTAuthPacket()
        // Both may be left out together, and only together, when the reason is Success and there are no
        // properties (section 3.15.2.1).
        if !reader.isAtEnd {
            packet.reasonCode = MQTTReasonCode(rawValue: try reader.readUInt8("Authenticate Reason Code"))
            guard packet.reasonCode.isValid(in: .auth) else {
                throw reader.error(.invalidReasonCode, field: "Authenticate Reason Code", detail: "value \(packet.reasonCode)")
            }
            packet.properties = try MQTTProperties.decode(from: &reader, context: .auth)
        }
        try reader.expectEnd(after: "Properties")
        return packet
    }

    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        guard version == .v5 else {
            throw MQTTEncodingError(code: .notAvailableInVersion, packetType: .auth, field: "Packet Type")
        }
        let propertiesLength = try self.properties.encodedLength(context: .auth)
        guard propertiesLength > 0 || self.reasonCode != .success else {
            try MQTTFixedHeader.write(.auth, flags: 0, remainingLength: 0, into: &buffer)
            return
        }
        var counter = MQTTLengthCounter(packetType: .auth)
        counter.add(1)
        try counter.addVariableByteInteger(propertiesLength, field: "Property Length")
        counter.add(propertiesLength)
        try MQTTFixedHeader.write(.auth, flags: 0, remainingLength: counter.total, into: &buffer)
        buffer.writeInteger(self.reasonCode.rawValue)
        self.properties.write(length: propertiesLength, into: &buffer)
    }
}
