import NIOCore

extension ByteBuffer {
    /// Writes an array with one element constructor wide enough for every element (part 1, section 1.2.3).
    mutating func writeArray(_ array: AMQPArray) {
        let headerIndex = self.reserveCompoundHeader()
        self.writeArrayConstructorAndElements(array)
        self.compactCompoundHeader(
            headerIndex: headerIndex,
            bodyEnd: self.writerIndex,
            count: array.elements.count,
            narrowCode: AMQPFormatCode.array8,
            wideCode: AMQPFormatCode.array32
        )
    }

    private mutating func writeArrayConstructorAndElements(_ array: AMQPArray) {
        if let descriptor = array.descriptor {
            self.writeInteger(AMQPFormatCode.described)
            self.writeAMQPValue(descriptor)
        }
        let formatCode = Self.elementFormatCode(for: array)
        self.writeInteger(formatCode)
        for element in array.elements {
            self.writeArrayElement(element, formatCode: formatCode)
        }
    }

    /// The smallest constructor that every element of the array fits. Compound elements always use
    /// the 32-bit forms because all elements must share one width.
    static func elementFormatCode(for array: AMQPArray) -> UInt8 {
        switch array.elementType {
        case .null: return AMQPFormatCode.null
        case .boolean: return AMQPFormatCode.boolean
        case .ubyte: return AMQPFormatCode.ubyte
        case .ushort: return AMQPFormatCode.ushort
        case .uint:
            let allSmall = array.elements.allSatisfy {
                if case .uint(let value) = $0 { return value <= UInt8.max } else { return true }
            }
            return allSmall ? AMQPFormatCode.smallUInt : AMQPFormatCode.uint
        case .ulong:
            let allSmall = array.elements.allSatisfy {
                if case .ulong(let value) = $0 { return value <= UInt8.max } else { return true }
            }
            return allSmall ? AMQPFormatCode.smallULong : AMQPFormatCode.ulong
        case .byte: return AMQPFormatCode.byte
        case .short: return AMQPFormatCode.short
        case .int:
            let allSmall = array.elements.allSatisfy {
                if case .int(let value) = $0 { return Int8(exactly: value) != nil } else { return true }
            }
            return allSmall ? AMQPFormatCode.smallInt : AMQPFormatCode.int
        case .long:
            let allSmall = array.elements.allSatisfy {
                if case .long(let value) = $0 { return Int8(exactly: value) != nil } else { return true }
            }
            return allSmall ? AMQPFormatCode.smallLong : AMQPFormatCode.long
        case .float: return AMQPFormatCode.float
        case .double: return AMQPFormatCode.double
        case .decimal32: return AMQPFormatCode.decimal32
        case .decimal64: return AMQPFormatCode.decimal64
        case .decimal128: return AMQPFormatCode.decimal128
        case .char: return AMQPFormatCode.char
        case .timestamp: return AMQPFormatCode.timestamp
        case .uuid: return AMQPFormatCode.uuid
        case .binary:
            let allShort = array.elements.allSatisfy {
                if case .binary(let bytes) = $0 { return bytes.readableBytes <= 255 } else { return true }
            }
            return allShort ? AMQPFormatCode.binary8 : AMQPFormatCode.binary32
        case .string:
            let allShort = array.elements.allSatisfy {
                if case .string(let text) = $0 { return text.utf8.count <= 255 } else { return true }
            }
            return allShort ? AMQPFormatCode.string8 : AMQPFormatCode.string32
        case .symbol:
            let allShort = array.elements.allSatisfy {
                if case .symbol(let text) = $0 { return text.utf8.count <= 255 } else { return true }
            }
            return allShort ? AMQPFormatCode.symbol8 : AMQPFormatCode.symbol32
        case .list: return AMQPFormatCode.list32
        case .map: return AMQPFormatCode.map32
        case .array: return AMQPFormatCode.array32
        }
    }

    /// Writes one element without its constructor. `AMQPArray` guarantees the element matches the type.
    private mutating func writeArrayElement(_ element: AMQPValue, formatCode: UInt8) {
        switch element {
        case .null, .described:
            break
        case .boolean(let value):
            self.writeInteger(value ? UInt8(1) : UInt8(0))
        case .ubyte(let value):
            self.writeInteger(value)
        case .ushort(let value):
            self.writeInteger(value)
        case .uint(let value):
            if formatCode == AMQPFormatCode.smallUInt {
                self.writeInteger(UInt8(truncatingIfNeeded: value))
            } else {
                self.writeInteger(value)
            }
        case .ulong(let value):
            if formatCode == AMQPFormatCode.smallULong {
                self.writeInteger(UInt8(truncatingIfNeeded: value))
            } else {
                self.writeInteger(value)
            }
        case .byte(let value):
            self.writeInteger(value)
        case .short(let value):
            self.writeInteger(value)
        case .int(let value):
            if formatCode == AMQPFormatCode.smallInt {
                self.writeInteger(Int8(truncatingIfNeeded: value))
            } else {
                self.writeInteger(value)
            }
        case .long(let value):
            if formatCode == AMQPFormatCode.smallLong {
                self.writeInteger(Int8(truncatingIfNeeded: value))
            } else {
                self.writeInteger(value)
            }
        case .float(let value):
            self.writeInteger(value.bitPattern)
        case .double(let value):
            self.writeInteger(value.bitPattern)
        case .decimal32(let bits):
            self.writeInteger(bits)
        case .decimal64(let bits):
            self.writeInteger(bits)
        case .decimal128(let value):
            self.writeInteger(value.high)
            self.writeInteger(value.low)
        case .char(let scalar):
            self.writeInteger(scalar.value)
        case .timestamp(let milliseconds):
            self.writeInteger(milliseconds)
        case .uuid(let uuid):
            self.writeInteger(uuid.high)
            self.writeInteger(uuid.low)
        case .binary(let bytes):
            self.writeElementLength(bytes.readableBytes, formatCode: formatCode)
            self.writeImmutableBuffer(bytes)
        case .string(let string), .symbol(let string):
            self.writeElementLength(string.utf8.count, formatCode: formatCode)
            self.writeString(string)
        case .list(let elements):
            self.writeWideCompound(count: elements.count) { buffer in
                for element in elements {
                    buffer.writeAMQPValue(element)
                }
            }
        case .map(let map):
            self.writeWideCompound(count: map.entries.count * 2) { buffer in
                for entry in map.entries {
                    buffer.writeAMQPValue(entry.key)
                    buffer.writeAMQPValue(entry.value)
                }
            }
        case .array(let array):
            self.writeWideCompound(count: array.elements.count) { buffer in
                buffer.writeArrayConstructorAndElements(array)
            }
        }
    }

    private mutating func writeElementLength(_ length: Int, formatCode: UInt8) {
        switch formatCode {
        case AMQPFormatCode.binary8, AMQPFormatCode.string8, AMQPFormatCode.symbol8:
            self.writeInteger(UInt8(truncatingIfNeeded: length))
        default:
            self.writeInteger(UInt32(truncatingIfNeeded: length))
        }
    }

    /// Writes `size32 count32 body` with the size patched in afterwards.
    private mutating func writeWideCompound(count: Int, body: (inout ByteBuffer) -> Void) {
        let sizeIndex = self.writerIndex
        self.writeInteger(UInt32(0))
        self.writeInteger(UInt32(truncatingIfNeeded: count))
        body(&self)
        self.setInteger(UInt32(truncatingIfNeeded: self.writerIndex - sizeIndex - 4), at: sizeIndex)
    }
}
