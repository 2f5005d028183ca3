extension MQTTPacket {
    /// Decodes the body of one framed packet; `reader` holds exactly Remaining Length bytes.
    @inline(__always)
    static func decodeBody(
        from reader: inout MQTTPacketReader,
        flags: UInt8,
        version: MQTTProtocolVersion,
        validatesPayloadFormat: Bool
    ) throws(MQTTDecodingError) -> MQTTPacket {
        switch reader.packetType {
        case .connect:
            return .connect(try MQTTConnectPacket.decode(from: &reader, validatesPayloadFormat: validatesPayloadFormat))
        case .connAck:
            return .connAck(try MQTTConnAckPacket.decode(from: &reader, version: version))
        case .publish:
            return .publish(
                try MQTTPublishPacket.decode(
                    from: &reader,
                    flags: flags,
                    version: version,
                    validatesPayloadFormat: validatesPayloadFormat
                )
            )
        case .pubAck:
            return .pubAck(try MQTTPubAckPacket.decode(from: &reader, version: version))
        case .pubRec:
            return .pubRec(try MQTTPubRecPacket.decode(from: &reader, version: version))
        case .pubRel:
            return .pubRel(try MQTTPubRelPacket.decode(from: &reader, version: version))
        case .pubComp:
            return .pubComp(try MQTTPubCompPacket.decode(from: &reader, version: version))
        case .subscribe:
            return .subscribe(try MQTTSubscribePacket.decode(from: &reader, version: version))
        case .subAck:
            return .subAck(try MQTTSubAckPacket.decode(from: &reader, version: version))
        case .unsubscribe:
            return .unsubscribe(try MQTTUnsubscribePacket.decode(from: &reader, version: version))
        case .unsubAck:
            return .unsubAck(try MQTTUnsubAckPacket.decode(from: &reader, version: version))
        case .pingReq:
            try reader.expectEnd(after: "Fixed Header")
            return .pingReq
        case .pingResp:
            try reader.expectEnd(after: "Fixed Header")
            return .pingResp
        case .disconnect:
            return .disconnect(try MQTTDisconnectPacket.decode(from: &reader, version: version))
        case .auth:
            return .auth(try MQTTAuthPacket.decode(from: &reader))
        }
    }
}
