import NIOCore

extension ByteBuffer {
    /// Writes `value` in its smallest encoding and returns the number of bytes written.
    @discardableResult
    public mutating func writeAMQPValue(_ value: AMQPValue) -> Int {
        let start = self.writerIndex
        switch value {
        case .null:
            self.writeInteger(AMQPFormatCode.null)
        case .boolean(let bool):
            self.writeInteger(bool ? AMQPFormatCode.booleanTrue : AMQPFormatCode.booleanFalse)
        case .ubyte(let value):
            self.writeInteger(AMQPFormatCode.ubyte)
            self.writeInteger(value)
        case .ushort(let value):
            self.writeInteger(AMQPFormatCode.ushort)
            self.writeInteger(value)
        case .uint(let value):
            self.writeUInt(value)
        case .ulong(let value):
            self.writeULong(value)
        case .byte(let value):
            self.writeInteger(AMQPFormatCode.byte)
            self.writeInteger(value)
        case .short(let value):
            self.writeInteger(AMQPFormatCode.short)
            self.writeInteger(value)
        case .int(let value):
            if let small = Int8(exactly: value) {
                self.writeInteger(AMQPFormatCode.smallInt)
                self.writeInteger(small)
            } else {
                self.writeInteger(AMQPFormatCode.int)
                self.writeInteger(value)
            }
        case .long(let value):
            if let small = Int8(exactly: value) {
                self.writeInteger(AMQPFormatCode.smallLong)
                self.writeInteger(small)
            } else {
                self.writeInteger(AMQPFormatCode.long)
                self.writeInteger(value)
            }
        case .float(let value):
            self.writeInteger(AMQPFormatCode.float)
            self.writeInteger(value.bitPattern)
        case .double(let value):
            self.writeInteger(AMQPFormatCode.double)
            self.writeInteger(value.bitPattern)
        case .decimal32(let bits):
            self.writeInteger(AMQPFormatCode.decimal32)
            self.writeInteger(bits)
        case .decimal64(let bits):
            self.writeInteger(AMQPFormatCode.decimal64)
            self.writeInteger(bits)
        case .decimal128(let value):
            self.writeInteger(AMQPFormatCode.decimal128)
            self.writeInteger(value.high)
            self.writeInteger(value.low)
        case .char(let scalar):
            self.writeInteger(AMQPFormatCode.char)
            self.writeInteger(scalar.value)
        case .timestamp(let milliseconds):
            self.writeTimestamp(milliseconds)
        case .uuid(let uuid):
            self.writeInteger(AMQPFormatCode.uuid)
            self.writeInteger(uuid.high)
            self.writeInteger(uuid.low)
        case .binary(let bytes):
            self.writeBinary(bytes)
        case .string(let string):
            self.writeString(string, narrowCode: AMQPFormatCode.string8, wideCode: AMQPFormatCode.string32)
        case .symbol(let symbol):
            self.writeSymbol(symbol)
        case .list(let elements):
            self.writeList(elements)
        case .map(let map):
            self.writeMap(map)
        case .array(let array):
            self.writeArray(array)
        case .described(let descriptor, let value):
            self.writeInteger(AMQPFormatCode.described)
            self.writeAMQPValue(descriptor)
            self.writeAMQPValue(value)
        }
        return self.writerIndex - start
    }

    // Constructor and value go out in one write: each ByteBuffer call has a fixed cost (bounds and
    // exclusivity checks) that dominates encoding small fields.

    mutating func writeUInt(_ value: UInt32) {
        if value == 0 {
            self.writeInteger(AMQPFormatCode.uint0)
        } else if value <= UInt8.max {
            self.writeInteger(UInt16(AMQPFormatCode.smallUInt) << 8 | UInt16(truncatingIfNeeded: value))
        } else {
            self.writeMultipleIntegers(AMQPFormatCode.uint, value)
        }
    }

    mutating func writeULong(_ value: UInt64) {
        if value == 0 {
            self.writeInteger(AMQPFormatCode.ulong0)
        } else if value <= UInt8.max {
            self.writeInteger(UInt16(AMQPFormatCode.smallULong) << 8 | UInt16(truncatingIfNeeded: value))
        } else {
            self.writeMultipleIntegers(AMQPFormatCode.ulong, value)
        }
    }

    /// Writes a one-byte constructor followed by a one-byte size or value.
    mutating func writeConstructor(_ formatCode: UInt8, byte: UInt8) {
        self.writeInteger(UInt16(formatCode) << 8 | UInt16(byte))
    }

    mutating func writeTimestamp(_ milliseconds: Int64) {
        self.writeInteger(AMQPFormatCode.timestamp)
        self.writeInteger(milliseconds)
    }

    mutating func writeBinary(_ bytes: ByteBuffer) {
        let length = bytes.readableBytes
        if length <= Int(UInt8.max) {
            self.writeConstructor(AMQPFormatCode.binary8, byte: UInt8(truncatingIfNeeded: length))
        } else {
            self.writeMultipleIntegers(AMQPFormatCode.binary32, UInt32(truncatingIfNeeded: length))
        }
        self.writeImmutableBuffer(bytes)
    }

    mutating func writeSymbol(_ symbol: String) {
        self.writeString(symbol, narrowCode: AMQPFormatCode.symbol8, wideCode: AMQPFormatCode.symbol32)
    }

    mutating func writeString(_ string: String, narrowCode: UInt8, wideCode: UInt8) {
        let length = string.utf8.count
        if length <= Int(UInt8.max) {
            self.writeConstructor(narrowCode, byte: UInt8(truncatingIfNeeded: length))
        } else {
            self.writeMultipleIntegers(wideCode, UInt32(truncatingIfNeeded: length))
        }
        self.writeString(string)
    }

    mutating func writeList(_ elements: [AMQPValue]) {
        var list = self.beginList()
        for element in elements {
            self.writeAMQPValue(element)
            list.elementWritten(isNull: false, endIndex: self.writerIndex)
        }
        self.endList(list)
    }

    mutating func writeMap(_ map: AMQPMap) {
        let headerIndex = self.reserveCompoundHeader()
        for entry in map.entries {
            self.writeAMQPValue(entry.key)
            self.writeAMQPValue(entry.value)
        }
        self.compactCompoundHeader(
            headerIndex: headerIndex,
            bodyEnd: self.writerIndex,
            count: map.entries.count * 2,
            narrowCode: AMQPFormatCode.map8,
            wideCode: AMQPFormatCode.map32
        )
    }
}
