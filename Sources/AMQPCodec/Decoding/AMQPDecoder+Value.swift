import NIOCore

extension AMQPDecoder {
    /// Decodes one complete value, whatever its type.
    mutating func readValue(depth: Int = 0) throws -> AMQPValue {
        try self.spendValueBudget(1, "value")
        let formatCode = try self.readByte("constructor")
        if formatCode == AMQPFormatCode.described {
            guard depth < Self.maximumNestingDepth else {
                throw self.error(.nestingTooDeep, "described value", formatCode: formatCode)
            }
            let descriptor = try self.readValue(depth: depth + 1)
            let value = try self.readValue(depth: depth + 1)
            return .described(descriptor: descriptor, value: value)
        }
        return try self.readPrimitive(formatCode: formatCode, depth: depth)
    }

    /// Decodes the bytes after a primitive constructor; arrays use it for their elements.
    mutating func readPrimitive(formatCode: UInt8, depth: Int) throws -> AMQPValue {
        switch formatCode {
        case AMQPFormatCode.null:
            return .null
        case AMQPFormatCode.booleanTrue:
            return .boolean(true)
        case AMQPFormatCode.booleanFalse:
            return .boolean(false)
        case AMQPFormatCode.boolean:
            return .boolean(try self.readBooleanByte())
        case AMQPFormatCode.ubyte:
            return .ubyte(try self.readByte("ubyte"))
        case AMQPFormatCode.ushort:
            return .ushort(try self.readInteger(as: UInt16.self, "ushort"))
        case AMQPFormatCode.uint:
            return .uint(try self.readInteger(as: UInt32.self, "uint"))
        case AMQPFormatCode.smallUInt:
            return .uint(UInt32(try self.readByte("smalluint")))
        case AMQPFormatCode.uint0:
            return .uint(0)
        case AMQPFormatCode.ulong:
            return .ulong(try self.readInteger(as: UInt64.self, "ulong"))
        case AMQPFormatCode.smallULong:
            return .ulong(UInt64(try self.readByte("smallulong")))
        case AMQPFormatCode.ulong0:
            return .ulong(0)
        case AMQPFormatCode.byte:
            return .byte(try self.readInteger(as: Int8.self, "byte"))
        case AMQPFormatCode.short:
            return .short(try self.readInteger(as: Int16.self, "short"))
        case AMQPFormatCode.int:
            return .int(try self.readInteger(as: Int32.self, "int"))
        case AMQPFormatCode.smallInt:
            return .int(Int32(try self.readInteger(as: Int8.self, "smallint")))
        case AMQPFormatCode.long:
            return .long(try self.readInteger(as: Int64.self, "long"))
        case AMQPFormatCode.smallLong:
            return .long(Int64(try self.readInteger(as: Int8.self, "smalllong")))
        case AMQPFormatCode.float:
            return .float(Float(bitPattern: try self.readInteger(as: UInt32.self, "float")))
        case AMQPFormatCode.double:
            return .double(Double(bitPattern: try self.readInteger(as: UInt64.self, "double")))
        case AMQPFormatCode.decimal32:
            return .decimal32(try self.readInteger(as: UInt32.self, "decimal32"))
        case AMQPFormatCode.decimal64:
            return .decimal64(try self.readInteger(as: UInt64.self, "decimal64"))
        case AMQPFormatCode.decimal128:
            let high = try self.readInteger(as: UInt64.self, "decimal128")
            let low = try self.readInteger(as: UInt64.self, "decimal128")
            return .decimal128(AMQPDecimal128(high: high, low: low))
        case AMQPFormatCode.char:
            return .char(try self.readChar())
        case AMQPFormatCode.timestamp:
            return .timestamp(try self.readInteger(as: Int64.self, "timestamp"))
        case AMQPFormatCode.uuid:
            let high = try self.readInteger(as: UInt64.self, "uuid")
            let low = try self.readInteger(as: UInt64.self, "uuid")
            return .uuid(AMQPUUID(high: high, low: low))
        case AMQPFormatCode.binary8, AMQPFormatCode.binary32:
            let length = try self.readSize(wide: formatCode == AMQPFormatCode.binary32, "binary")
            return .binary(try self.readSlice(length: length, "binary"))
        case AMQPFormatCode.string8, AMQPFormatCode.string32:
            let length = try self.readSize(wide: formatCode == AMQPFormatCode.string32, "string")
            return .string(try self.readUTF8(length: length, "string"))
        case AMQPFormatCode.symbol8, AMQPFormatCode.symbol32:
            let length = try self.readSize(wide: formatCode == AMQPFormatCode.symbol32, "symbol")
            return .symbol(try self.readUTF8(length: length, "symbol"))
        case AMQPFormatCode.list0:
            return .list([])
        case AMQPFormatCode.list8, AMQPFormatCode.list32:
            return .list(try self.readListBody(wide: formatCode == AMQPFormatCode.list32, depth: depth))
        case AMQPFormatCode.map8, AMQPFormatCode.map32:
            return .map(try self.readMapBody(wide: formatCode == AMQPFormatCode.map32, depth: depth))
        case AMQPFormatCode.array8, AMQPFormatCode.array32:
            return .array(try self.readArrayBody(wide: formatCode == AMQPFormatCode.array32, depth: depth))
        default:
            throw self.error(.unknownFormatCode, "constructor", formatCode: formatCode, at: self.offset - 1)
        }
    }

    mutating func readBooleanByte() throws -> Bool {
        switch try self.readByte("boolean") {
        case 0x00: return false
        case 0x01: return true
        default: throw self.error(.valueOutOfRange, "boolean", at: self.offset - 1)
        }
    }

    private mutating func readChar() throws -> Unicode.Scalar {
        let codePoint = try self.readInteger(as: UInt32.self, "char")
        guard let scalar = Unicode.Scalar(codePoint) else {
            throw self.error(.invalidCharacter, "char", at: self.offset - 4)
        }
        return scalar
    }

    /// Reads the size and count of a list, map or array and checks both against the bytes that follow.
    /// Returns the element count and the index where the compound value ends.
    mutating func readCompoundHeader(wide: Bool, _ context: String) throws -> (count: Int, endIndex: Int) {
        let size = try self.readSize(wide: wide, context)
        let countWidth = wide ? 4 : 1
        guard size >= countWidth else {
            throw self.error(.truncated, context, size: size)
        }
        let endIndex = self.readerIndex + size
        let count: Int
        if wide {
            count = Self.length(try self.readInteger(as: UInt32.self, context))
        } else {
            count = Int(try self.readByte(context))
        }
        // Every element takes at least its one constructor byte.
        guard count <= size - countWidth else {
            throw self.error(.sizeExceedsRemainingBytes, context, size: count)
        }
        return (count, endIndex)
    }

    private mutating func readListBody(wide: Bool, depth: Int) throws -> [AMQPValue] {
        guard depth < Self.maximumNestingDepth else {
            throw self.error(.nestingTooDeep, "list")
        }
        let (count, endIndex) = try self.readCompoundHeader(wide: wide, "list")
        var elements: [AMQPValue] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try self.readValue(depth: depth + 1))
        }
        try self.finishCompound(endIndex: endIndex, "list")
        return elements
    }

    private mutating func readMapBody(wide: Bool, depth: Int) throws -> AMQPMap {
        guard depth < Self.maximumNestingDepth else {
            throw self.error(.nestingTooDeep, "map")
        }
        let (count, endIndex) = try self.readCompoundHeader(wide: wide, "map")
        guard count % 2 == 0 else {
            throw self.error(.valueOutOfRange, "map", size: count)
        }
        var entries: [AMQPMap.Entry] = []
        entries.reserveCapacity(count / 2)
        for _ in 0..<(count / 2) {
            let key = try self.readValue(depth: depth + 1)
            let value = try self.readValue(depth: depth + 1)
            entries.append(AMQPMap.Entry(key: key, value: value))
        }
        try self.finishCompound(endIndex: endIndex, "map")
        return AMQPMap(entries)
    }

    private mutating func readArrayBody(wide: Bool, depth: Int) throws -> AMQPArray {
        guard depth < Self.maximumNestingDepth else {
            throw self.error(.nestingTooDeep, "array")
        }
        let size = try self.readSize(wide: wide, "array")
        let countWidth = wide ? 4 : 1
        guard size >= countWidth + 1 else {
            throw self.error(.truncated, "array", size: size)
        }
        let endIndex = self.readerIndex + size
        let count = wide ? Self.length(try self.readInteger(as: UInt32.self, "array")) : Int(try self.readByte("array"))

        var descriptor: AMQPValue?
        var elementFormatCode = try self.readByte("array element constructor")
        if elementFormatCode == AMQPFormatCode.described {
            descriptor = try self.readValue(depth: depth + 1)
            elementFormatCode = try self.readByte("array element constructor")
        }
        guard let elementType = AMQPArray.ElementType(formatCode: elementFormatCode) else {
            let code: AMQPDecodingError.Code =
                elementFormatCode == AMQPFormatCode.described ? .invalidArrayElement : .unknownFormatCode
            throw self.error(code, "array element constructor", formatCode: elementFormatCode, at: self.offset - 1)
        }
        // Zero-width elements are only bounded by the value budget; others need at least a byte each.
        if !AMQPArray.ElementType.isZeroWidth(formatCode: elementFormatCode) {
            guard count <= endIndex - self.readerIndex else {
                throw self.error(.sizeExceedsRemainingBytes, "array", size: count)
            }
        }
        try self.spendValueBudget(count, "array")
        var elements: [AMQPValue] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try self.readPrimitive(formatCode: elementFormatCode, depth: depth + 1))
        }
        try self.finishCompound(endIndex: endIndex, "array")
        return AMQPArray(uncheckedElementType: elementType, descriptor: descriptor, elements: elements)
    }
}

extension AMQPArray.ElementType {
    init?(formatCode: UInt8) {
        switch formatCode {
        case AMQPFormatCode.null: self = .null
        case AMQPFormatCode.booleanTrue, AMQPFormatCode.booleanFalse, AMQPFormatCode.boolean: self = .boolean
        case AMQPFormatCode.ubyte: self = .ubyte
        case AMQPFormatCode.ushort: self = .ushort
        case AMQPFormatCode.uint, AMQPFormatCode.smallUInt, AMQPFormatCode.uint0: self = .uint
        case AMQPFormatCode.ulong, AMQPFormatCode.smallULong, AMQPFormatCode.ulong0: self = .ulong
        case AMQPFormatCode.byte: self = .byte
        case AMQPFormatCode.short: self = .short
        case AMQPFormatCode.int, AMQPFormatCode.smallInt: self = .int
        case AMQPFormatCode.long, AMQPFormatCode.smallLong: self = .long
        case AMQPFormatCode.float: self = .float
        case AMQPFormatCode.double: self = .double
        case AMQPFormatCode.decimal32: self = .decimal32
        case AMQPFormatCode.decimal64: self = .decimal64
        case AMQPFormatCode.decimal128: self = .decimal128
        case AMQPFormatCode.char: self = .char
        case AMQPFormatCode.timestamp: self = .timestamp
        case AMQPFormatCode.uuid: self = .uuid
        case AMQPFormatCode.binary8, AMQPFormatCode.binary32: self = .binary
        case AMQPFormatCode.string8, AMQPFormatCode.string32: self = .string
        case AMQPFormatCode.symbol8, AMQPFormatCode.symbol32: self = .symbol
        case AMQPFormatCode.list0, AMQPFormatCode.list8, AMQPFormatCode.list32: self = .list
        case AMQPFormatCode.map8, AMQPFormatCode.map32: self = .map
        case AMQPFormatCode.array8, AMQPFormatCode.array32: self = .array
        default: return nil
        }
    }

    static func isZeroWidth(formatCode: UInt8) -> Bool {
        switch formatCode {
        case AMQPFormatCode.null, AMQPFormatCode.booleanTrue, AMQPFormatCode.booleanFalse, AMQPFormatCode.uint0,
            AMQPFormatCode.ulong0, AMQPFormatCode.list0:
            return true
        default:
            return false
        }
    }
}
