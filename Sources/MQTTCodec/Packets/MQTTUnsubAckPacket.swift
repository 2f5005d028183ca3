import NIOCore

/// UNSUBACK: answers UNSUBSCRIBE (MQTT 3.1.1 section 3.11, MQTT 5.0 section 3.11).
///
/// MQTT 3.1.1 carries only the Packet Identifier: ``reasonCodes`` decodes as empty and is not sent.
public struct MQTTUnsubAckPacket: Hashable, Sendable {
    public var packetIdentifier: UInt16
    /// MQTT 5.0: one per topic filter of the UNSUBSCRIBE.
    public var reasonCodes: [MQTTReasonCode]
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, reasonCodes: [MQTTReasonCode] = [], properties: MQTTProperties = .none) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

extension MQTTUnsubAckPacket {
    static func decode(
        from reader: inout MQTTPacketReader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTUnsubAckPacket {
        let packetIdentifier = try reader.readPacketIdentifier()
        guard version == .v5 else {
            try reader.expectEnd(after: "Packet Identifier")
            return MQTTUnsubAckPacket(packetIdentifier: packetIdentifier)
        }
        let properties = try MQTTProperties.decode(from: &reader, context: .unsubAck)
        guard !reader.isAtEnd else {
            throw reader.error(.emptyPayload, field: "Reason Code", detail: "no reason codes")
        }
        var reasonCodes: [MQTTReasonCode] = []
        reasonCodes.reserveCapacity(reader.remainingByteCount)
        while !reader.isAtEnd {
            let reasonCode = MQTTReasonCode(rawValue: try reader.readUInt8("Reason Code"))
            guard reasonCode.isValid(in: .unsubAck) else {
                throw reader.error(.invalidReasonCode, field: "Reason Code", detail: "value \(reasonCode)")
            }
            reasonCodes.append(reasonCode)
        }
        return MQTTUnsubAckPacket(packetIdentifier: packetIdentifier, reasonCodes: reasonCodes, properties: properties)
    }

    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        guard version == .v5 else {
            try MQTTFixedHeader.write(.unsubAck, flags: 0, remainingLength: 2, into: &buffer)
            buffer.writeInteger(self.packetIdentifier)
            return
        }
        let propertiesLength = try self.properties.encodedLength(context: .unsubAck)
        var counter = MQTTLengthCounter(packetType: .unsubAck)
        counter.add(2 + self.reasonCodes.count)
        try counter.addVariableByteInteger(propertiesLength, field: "Property Length")
        counter.add(propertiesLength)
        try MQTTFixedHeader.write(.unsubAck, flags: 0, remainingLength: counter.total, into: &buffer)
        buffer.writeInteger(self.packetIdentifier)
        self.properties.write(length: propertiesLength, into: &buffer)
        for reasonCode in self.reasonCodes {
            buffer.writeInteger(reasonCode.rawValue)
        }
    }
}
