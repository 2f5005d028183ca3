import NIOCore

extension MQTTPacket {
    /// Appends the packet to `buffer` in the wire format of `version`.
    ///
    /// CONNECT is always written in its own ``MQTTConnectPacket/protocolVersion``. Fields that
    /// `version` cannot carry (properties and most reason codes in MQTT 3.1.1) are left out; AUTH in
    /// MQTT 3.1.1 throws. On a throw nothing has been written.
    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTEncodingError) {
        switch self {
        case .connect(let packet):
            try packet.encode(into: &buffer)
        case .connAck(let packet):
            try packet.encode(into: &buffer, version: version)
        case .publish(let packet):
            try packet.encode(into: &buffer, version: version)
        case .pubAck(let packet):
            try packet.encode(into: &buffer, version: version)
        case .pubRec(let packet):
            try packet.encode(into: &buffer, version: version)
        case .pubRel(let packet):
            try packet.encode(into: &buffer, version: version)
        case .pubComp(let packet):
            try packet.encode(into: &buffer, version: version)
        case .subscribe(let packet):
            try packet.encode(into: &buffer, version: version)
        case .subAck(let packet):
            try packet.encode(into: &buffer, version: version)
        case .unsubscribe(let packet):
            try packet.encode(into: &buffer, version: version)
        case .unsubAck(let packet):
            try packet.encode(into: &buffer, version: version)
        case .pingReq:
            try MQTTFixedHeader.write(.pingReq, flags: 0, remainingLength: 0, into: &buffer)
        case .pingResp:
            try MQTTFixedHeader.write(.pingResp, flags: 0, remainingLength: 0, into: &buffer)
        case .disconnect(let packet):
            try packet.encode(into: &buffer, version: version)
        case .auth(let packet):
            try packet.encode(into: &buffer, version: version)
        }
    }
}
