import NIOCore

/// The layout PUBACK, PUBREC, PUBREL and PUBCOMP share (MQTT 5.0 sections 3.4-3.7): a Packet
/// Identifier, then in MQTT 5.0 an optional Reason Code and optional properties.
struct MQTTPublishAcknowledgement {
    var packetIdentifier: UInt16
    var reasonCode: MQTTReasonCode
    var properties: MQTTProperties

    static func decode(
        from reader: inout MQTTPacketReader,
        version: MQTTProtocolVersion,
        context: MQTTPropertyContext
    ) throws(MQTTDecodingError) -> MQTTPublishAcknowledgement {
        let packetIdentifier = try reader.readPacketIdentifier()
        var reasonCode = MQTTReasonCode.success
        var properties = MQTTProperties.none
        // Reason Code and Property Length may each be left out when the Remaining Length ends before them.
        if version == .v5 && !reader.isAtEnd {
            reasonCode = MQTTReasonCode(rawValue: try reader.readUInt8("Reason Code"))
            guard reasonCode.isValid(in: reader.packetType) else {
                throw reader.error(.invalidReasonCode, field: "Reason Code", detail: "value \(reasonCode)")
            }
            if !reader.isAtEnd {
                properties = try MQTTProperties.decode(from: &reader, context: context)
            }
        }
        try reader.expectEnd(after: version == .v5 ? "Properties" : "Packet Identifier")
        return MQTTPublishAcknowledgement(packetIdentifier: packetIdentifier, reasonCode: reasonCode, properties: properties)
    }

    /// Writes the shortest form the specification allows for these values.
    func encode(
        _ context: MQTTPropertyContext,
        into buffer: inout ByteBuffer,
        version: MQTTProtocolVersion
    ) throws(MQTTEncodingError) {
        let packetType = context.packetType
        let flags = packetType.requiredFixedHeaderFlags
        let propertiesLength = version == .v5 ? try self.properties.encodedLength(context: context) : 0
        guard version == .v5, propertiesLength > 0 || self.reasonCode != .success else {
            try MQTTFixedHeader.write(packetType, flags: flags, remainingLength: 2, into: &buffer)
            buffer.writeInteger(self.packetIdentifier)
            return
        }
        guard propertiesLength > 0 else {
            try MQTTFixedHeader.write(packetType, flags: flags, remainingLength: 3, into: &buffer)
            buffer.writeInteger(self.packetIdentifier)
            buffer.writeInteger(self.reasonCode.rawValue)
            return
        }
        var counter = MQTTLengthCounter(packetType: packetType)
        counter.add(3)
        try counter.addVariableByteInteger(propertiesLength, field: "Property Length")
        counter.add(propertiesLength)
        try MQTTFixedHeader.write(packetType, flags: flags, remainingLength: counter.total, into: &buffer)
        buffer.writeInteger(self.packetIdentifier)
        buffer.writeInteger(self.reasonCode.rawValue)
        self.properties.write(length: propertiesLength, into: &buffer)
    }
}
