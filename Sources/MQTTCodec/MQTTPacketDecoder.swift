import NIOCore

/// Frames and decodes MQTT packets from a byte stream.
///
/// Server role: start with `protocolVersion: nil`; the decoder then accepts only CONNECT and adopts the
/// version it carries. Client role: start with the version the client sent in its CONNECT.
///
/// Returns nil while a packet is incomplete (the reader index stays put). Rejects a packet larger than
/// ``maximumPacketSize`` as soon as its fixed header is readable, before buffering its body.
public struct MQTTPacketDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = MQTTPacket

    /// The largest packet the protocol can express: 1 type byte, 4 length bytes, 268,435,455 body bytes.
    public static let protocolMaximumPacketSize = 1 + MQTTVariableByteInteger.maximumLength
        + MQTTVariableByteInteger.maximum

    /// The version packets other than CONNECT are decoded with; nil until CONNECT is seen.
    public var protocolVersion: MQTTProtocolVersion?
    /// The largest whole packet (fixed header included, as MQTT 5.0 section 3.1.2.11.4 counts) accepted.
    public var maximumPacketSize: Int
    /// Check that payloads marked UTF-8 by the Payload Format Indicator are UTF-8 (MQTT 5.0 section
    /// 3.3.2.3.2 makes this optional); failures carry reason code 0x99.
    public var validatesPayloadFormat: Bool

    public init(
        protocolVersion: MQTTProtocolVersion? = nil,
        maximumPacketSize: Int = MQTTPacketDecoder.protocolMaximumPacketSize,
        validatesPayloadFormat: Bool = false
    ) {
        self.protocolVersion = protocolVersion
        self.maximumPacketSize = maximumPacketSize
        self.validatesPayloadFormat = validatesPayloadFormat
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> MQTTPacket? {
        try self.decodePacket(from: &buffer)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> MQTTPacket? {
        try self.decodePacket(from: &buffer)
    }

    /// The same as ``decode(buffer:)`` with a typed error, for callers that drive the decoder directly.
    public mutating func decodePacket(from buffer: inout ByteBuffer) throws(MQTTDecodingError) -> MQTTPacket? {
        let start = buffer.readerIndex
        guard let firstByte = buffer.getInteger(at: start, as: UInt8.self) else {
            return nil
        }
        let flags = firstByte & MQTTFixedHeader.flagsMask
        let packetType = try self.packetType(of: firstByte)
        guard packetType == .publish || flags == packetType.requiredFixedHeaderFlags else {
            throw MQTTDecodingError(
                code: .invalidFixedHeaderFlags,
                packetType: packetType,
                field: "Fixed Header Flags",
                detail: "flags \(flags)"
            )
        }
        let version: MQTTProtocolVersion
        if let knownVersion = self.protocolVersion {
            version = knownVersion
        } else if packetType == .connect {
            version = .v5  // CONNECT decodes its own version; this value is not used.
        } else {
            throw MQTTDecodingError(code: .protocolVersionUnknown, packetType: packetType, field: "Packet Type")
        }

        let remainingLength: Int
        let headerLength: Int
        switch MQTTVariableByteInteger.parse(buffer, at: start + 1) {
        case .value(let value, let length):
            remainingLength = value
            headerLength = 1 + length
        case .needMoreBytes:
            return nil
        case .malformed:
            throw MQTTDecodingError(
                code: .malformedVariableByteInteger,
                packetType: packetType,
                field: "Remaining Length"
            )
        }
        let packetSize = headerLength + remainingLength
        guard packetSize <= self.maximumPacketSize else {
            throw MQTTDecodingError(
                code: .packetTooLarge,
                packetType: packetType,
                field: "Remaining Length",
                detail: "packet of \(packetSize) bytes exceeds the maximum of \(self.maximumPacketSize)"
            )
        }
        guard let body = buffer.getSlice(at: start + headerLength, length: remainingLength) else {
            return nil
        }

        var reader = MQTTPacketReader(buffer: body, packetType: packetType)
        let packet: MQTTPacket
        do {
            packet = try MQTTPacket.decodeBody(
                from: &reader,
                flags: flags,
                version: version,
                validatesPayloadFormat: self.validatesPayloadFormat
            )
        } catch {
            var error = error
            error.packetBytes = buffer.getSlice(at: start, length: packetSize)
            throw error
        }
        buffer.moveReaderIndex(forwardBy: packetSize)
        if self.protocolVersion == nil, case .connect(let connect) = packet {
            self.protocolVersion = connect.protocolVersion
        }
        return packet
    }

    private func packetType(of firstByte: UInt8) throws(MQTTDecodingError) -> MQTTPacketType {
        let rawType = firstByte >> MQTTFixedHeader.typeShift
        guard let packetType = MQTTPacketType(rawValue: rawType),
            packetType != .auth || self.protocolVersion != .v3_1_1
        else {
            throw MQTTDecodingError(
                code: .reservedPacketType,
                packetType: nil,
                field: "Packet Type",
                detail: "type \(rawType)"
            )
        }
        return packetType
    }
}
