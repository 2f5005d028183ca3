import NIOCore

/// The Variable Byte Integer of MQTT 5.0 section 1.5.5 (also the Remaining Length of MQTT 3.1.1
/// section 2.2.3): 7 bits per byte, least significant group first, at most 4 bytes.
enum MQTTVariableByteInteger {
    /// The largest value 4 bytes can hold.
    static let maximum = 268_435_455

    /// The most bytes a Variable Byte Integer may take.
    static let maximumLength = 4

    private static let continuationBit: UInt8 = 0x80
    private static let valueBits: UInt8 = 0x7F

    enum ParseResult {
        case value(Int, length: Int)
        /// The buffer ends before the last byte of the integer.
        case needMoreBytes
        /// A fifth byte would be needed, or the value is not minimally encoded.
        case malformed
    }

    /// Reads the integer starting at `index` without moving the reader index.
    @inline(__always)
    static func parse(_ buffer: ByteBuffer, at index: Int) -> ParseResult {
        var value = 0
        var shift = 0
        for offset in 0..<Self.maximumLength {
            guard let byte = buffer.getInteger(at: index + offset, as: UInt8.self) else {
                return .needMoreBytes
            }
            value |= Int(byte & Self.valueBits) << shift
            if byte & Self.continuationBit == 0 {
                // A last byte of 0 after other bytes means a shorter encoding existed (MQTT-1.5.5-1).
                if byte == 0 && offset > 0 {
                    return .malformed
                }
                return .value(value, length: offset + 1)
            }
            shift += 7
        }
        return .malformed
    }

    /// The number of bytes `value` takes on the wire; `value` must be in 0...maximum.
    @inline(__always)
    static func encodedLength(_ value: Int) -> Int {
        switch value {
        case ..<128: return 1
        case ..<16_384: return 2
        case ..<2_097_152: return 3
        default: return 4
        }
    }
}

extension ByteBuffer {
    /// Writes `value` as a Variable Byte Integer; `value` must be in 0...MQTTVariableByteInteger.maximum.
    @inline(__always)
    mutating func writeMQTTVariableByteInteger(_ value: Int) {
        var remaining = value
        repeat {
            var byte = UInt8(truncatingIfNeeded: remaining & 0x7F)
            remaining >>= 7
            if remaining > 0 {
                byte |= 0x80
            }
            self.writeInteger(byte)
        } while remaining > 0
    }

    /// Writes a UTF-8 Encoded String (section 1.5.4); the length must have been checked by
    /// ``MQTTLengthCounter``.
    @inline(__always)
    mutating func writeMQTTString(_ string: String) {
        self.writeInteger(UInt16(truncatingIfNeeded: string.utf8.count))
        self.writeString(string)
    }

    /// Writes Binary Data (section 1.5.6); the length must have been checked by ``MQTTLengthCounter``.
    @inline(__always)
    mutating func writeMQTTBinary(_ data: ByteBuffer) {
        self.writeInteger(UInt16(truncatingIfNeeded: data.readableBytes))
        self.writeImmutableBuffer(data)
    }
}
