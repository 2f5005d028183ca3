import NIOCore

/// SUBACK: one reason code per requested subscription (MQTT 3.1.1 section 3.9, MQTT 5.0 section 3.9).
///
/// MQTT 3.1.1 knows only granted QoS 0-2 and failure 0x80; the encoder sends any failure code as 0x80
/// and the decoder reads 0x80 as ``MQTTReasonCode/unspecifiedError``.
public struct MQTTSubAckPacket: Hashable, Sendable {
    public var packetIdentifier: UInt16
    public var reasonCodes: [MQTTReasonCode]
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, reasonCodes: [MQTTReasonCode], properties: MQTTProperties = .none) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

extension MQTTSubAckPacket {
    static func decode(
        from reader: inout MQTTPacketReader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTSubAckPacket {
        let packetIdentifier = try reader.readPacketIdentifier()
        let properties: MQTTProperties =
            version == .v5 ? try MQTTProperties.decode(from: &reader, context: .subAck) : .none
        guard !reader.isAtEnd else {
            throw reader.error(.emptyPayload, field: "Reason Code", detail: "no reason codes")
        }
        var reasonCodes: [MQTTReasonCode] = []
        reasonCodes.reserveCapacity(reader.remainingByteCount)
        while !reader.isAtEnd {
            let rawValue = try reader.readUInt8("Reason Code")
            let reasonCode: MQTTReasonCode?
            switch version {
            case .v3_1_1:
                reasonCode = MQTTReasonCode(subscribeReturnCodeV3: rawValue)
            case .v5:
                let code = MQTTReasonCode(rawValue: rawValue)
                reasonCode = code.isValid(in: .subAck) ? code : nil
            }
            guard let reasonCode else {
                throw reader.error(.invalidReasonCode, field: "Reason Code", detail: "value \(rawValue)")
            }
            reasonCodes.append(reasonCode)
        }
        return MQTTSubAckPacket(packetIdentifier: packetIdentifier, reasonCodes: reasonCodes, properties: properties)
    }

    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        var counter = MQTTLengthCounter(packetType: .subAck)
        counter.add(2 + self.reasonCodes.count)
        var propertiesLength = 0
        if version == .v5 {
            propertiesLength = try self.properties.encodedLength(context: .subAck)
            try counter.addVariableByteInteger(propertiesLength, field: "Property Length")
            counter.add(propertiesLength)
        }
        try MQTTFixedHeader.write(.subAck, flags: 0, remainingLength: counter.total, into: &buffer)
        buffer.writeInteger(self.packetIdentifier)
        switch version {
        case .v3_1_1:
            for reasonCode in self.reasonCodes {
                buffer.writeInteger(reasonCode.subscribeReturnCodeV3)
            }
        case .v5:
            self.properties.write(length: propertiesLength, into: &buffer)
            for reasonCode in self.reasonCodes {
                buffer.writeInteger(reasonCode.rawValue)
            }
        }
    }
}
