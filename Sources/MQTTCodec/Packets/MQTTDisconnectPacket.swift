import NIOCore

/// DISCONNECT: the last packet before closing (MQTT 3.1.1 section 3.14, MQTT 5.0 section 3.14).
/// In MQTT 5.0 either side may send it, with a reason; MQTT 3.1.1 has neither reason nor properties.
public struct MQTTDisconnectPacket: Hashable, Sendable {
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(reasonCode: MQTTReasonCode = .normalDisconnection, properties: MQTTProperties = .none) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTDisconnectPacket {
    static func decode(
        from reader: inout MQTTPacketReader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTDisconnectPacket {
        var packet = MQTTDisconnectPacket()
        // Reason Code and Property Length may be left out (MQTT 5.0 section 3.14.2.1).
        if version == .v5 && !reader.isAtEnd {
            packet.reasonCode = MQTTReasonCode(rawValue: try reader.readUInt8("Disconnect Reason Code"))
            guard packet.reasonCode.isValid(in: .disconnect) else {
                throw reader.error(.invalidReasonCode, field: "Disconnect Reason Code", detail: "value \(packet.reasonCode)")
            }
            if !reader.isAtEnd {
                packet.properties = try MQTTProperties.decode(from: &reader, context: .disconnect)
            }
        }
        try reader.expectEnd(after: version == .v5 ? "Properties" : "Fixed Header")
        return packet
    }

    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        let propertiesLength = version == .v5 ? try self.properties.encodedLength(context: .disconnect) : 0
        guard version == .v5, propertiesLength > 0 || self.reasonCode != .normalDisconnection else {
            try MQTTFixedHeader.write(.disconnect, flags: 0, remainingLength: 0, into: &buffer)
            return
        }
        guard propertiesLength > 0 else {
            try MQTTFixedHeader.write(.disconnect, flags: 0, remainingLength: 1, into: &buffer)
            buffer.writeInteger(self.reasonCode.rawValue)
            return
        }
        var counter = MQTTLengthCounter(packetType: .disconnect)
        counter.add(1)
        try counter.addVariableByteInteger(propertiesLength, field: "Property Length")
        counter.add(propertiesLength)
        try MQTTFixedHeader.write(.disconnect, flags: 0, remainingLength: counter.total, into: &buffer)
        buffer.writeInteger(self.reasonCode.rawValue)
        self.properties.write(length: propertiesLength, into: &buffer)
    }
}
