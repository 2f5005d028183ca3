import NIOCore

/// Reads the fields of one framed packet body and turns every failure into an ``MQTTDecodingError``
/// that names the packet and the field.
struct MQTTPacketReader {
    private(set) var buffer: ByteBuffer
    let packetType: MQTTPacketType

    init(buffer: ByteBuffer, packetType: MQTTPacketType) {
        self.buffer = buffer
        self.packetType = packetType
    }

    var isAtEnd: Bool { self.buffer.readableBytes == 0 }

    var remainingByteCount: Int { self.buffer.readableBytes }

    func error(_ code: MQTTDecodingError.Code, field: String, detail: String? = nil) -> MQTTDecodingError {
        MQTTDecodingError(code: code, packetType: self.packetType, field: field, detail: detail)
    }

    @inline(__always)
    mutating func readUInt8(_ field: String) throws(MQTTDecodingError) -> UInt8 {
        guard let value = self.buffer.readInteger(as: UInt8.self) else {
            throw self.error(.truncated, field: field)
        }
        return value
    }

    @inline(__always)
    mutating func readUInt16(_ field: String) throws(MQTTDecodingError) -> UInt16 {
        guard let value = self.buffer.readInteger(as: UInt16.self) else {
            throw self.error(.truncated, field: field)
        }
        return value
    }

    @inline(__always)
    mutating func readUInt32(_ field: String) throws(MQTTDecodingError) -> UInt32 {
        guard let value = self.buffer.readInteger(as: UInt32.self) else {
            throw self.error(.truncated, field: field)
        }
        return value
    }

    /// Reads a Packet Identifier, which must not be 0 (MQTT 5.0 section 2.2.1).
    @inline(__always)
    mutating func readPacketIdentifier() throws(MQTTDecodingError) -> UInt16 {
        let identifier = try self.readUInt16("Packet Identifier")
        guard identifier != 0 else {
            throw self.error(.zeroPacketIdentifier, field: "Packet Identifier")
        }
        return identifier
    }

    mutating func readVariableByteInteger(_ field: String) throws(MQTTDecodingError) -> Int {
        switch MQTTVariableByteInteger.parse(self.buffer, at: self.buffer.readerIndex) {
        case .value(let value, let length):
            self.buffer.moveReaderIndex(forwardBy: length)
            return value
        case .needMoreBytes:
            throw self.error(.truncated, field: field)
        case .malformed:
            throw self.error(.malformedVariableByteInteger, field: field)
        }
    }

    /// Reads a UTF-8 Encoded String (section 1.5.4).
    @inline(__always)
    mutating func readString(_ field: String) throws(MQTTDecodingError) -> String {
        try self.readStringCheckingWildcards(field).string
    }

    /// Reads a UTF-8 Encoded String and tells whether it contains `+` or `#`, in one pass over the bytes.
    mutating func readStringCheckingWildcards(
        _ field: String
    ) throws(MQTTDecodingError) -> (string: String, containsWildcard: Bool) {
        let length = Int(try self.readUInt16(field))
        let decoded: (result: MQTTUTF8Validator.Result, string: String)? = self.buffer.withUnsafeReadableBytes {
            bytes in
            guard bytes.count >= length else {
                return nil
            }
            let stringBytes = UnsafeRawBufferPointer(rebasing: bytes.prefix(length))
            let result = MQTTUTF8Validator.validate(stringBytes)
            guard case .valid = result else {
                return (result, "")
            }
            return (result, String(decoding: stringBytes, as: UTF8.self))
        }
        switch decoded?.result {
        case .valid(let containsWildcard):
            self.buffer.moveReaderIndex(forwardBy: length)
            return (decoded?.string ?? "", containsWildcard)
        case .invalidUTF8:
            throw self.error(.invalidUTF8, field: field)
        case .nullCharacter:
            throw self.error(.nullCharacterInString, field: field)
        case .none:
            throw self.error(.truncated, field: field)
        }
    }

    /// Reads Binary Data (section 1.5.6) as a slice of the packet, without copying.
    @inline(__always)
    mutating func readBinary(_ field: String) throws(MQTTDecodingError) -> ByteBuffer {
        let length = Int(try self.readUInt16(field))
        return try self.readSlice(length: length, field: field)
    }

    @inline(__always)
    mutating func readSlice(length: Int, field: String) throws(MQTTDecodingError) -> ByteBuffer {
        guard let slice = self.buffer.readSlice(length: length) else {
            throw self.error(.truncated, field: field)
        }
        return slice
    }

    /// Everything that is left, such as the PUBLISH payload.
    mutating func readRest() -> ByteBuffer {
        self.buffer.readSlice(length: self.buffer.readableBytes) ?? ByteBuffer()
    }

    /// Splits off the next `length` bytes as their own reader, for the properties section.
    mutating func readSubReader(length: Int, field: String) throws(MQTTDecodingError) -> MQTTPacketReader {
        MQTTPacketReader(buffer: try self.readSlice(length: length, field: field), packetType: self.packetType)
    }

    /// Fails if bytes are left after the last field.
    func expectEnd(after field: String) throws(MQTTDecodingError) {
        guard self.isAtEnd else {
            throw self.error(
                .trailingBytes,
                field: field,
                detail: "\(self.buffer.readableBytes) bytes after the last field"
            )
        }
    }
}
