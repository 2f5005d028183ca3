import NIOCore

/// Typed readers for the fields of composite types. Each returns nil when the field is absent (the list
/// ended) or null, and throws when the value has a type the field does not allow.
extension AMQPDecoder {
    /// Reads the `0x00 descriptor` prefix of a described value and returns its numeric code; symbolic
    /// descriptors are mapped to their codes. Unknown symbols and non-ulong descriptors are errors.
    mutating func readDescriptorCode(_ context: @autoclosure () -> String) throws -> UInt64 {
        let constructorOffset = self.offset
        let constructor = try self.readByte(context())
        guard constructor == AMQPFormatCode.described else {
            throw self.error(.unexpectedFormatCode, context(), formatCode: constructor, at: constructorOffset)
        }
        let descriptorOffset = self.offset
        let formatCode = try self.readByte(context())
        switch formatCode {
        case AMQPFormatCode.ulong0:
            return 0
        case AMQPFormatCode.smallULong:
            return UInt64(try self.readByte(context()))
        case AMQPFormatCode.ulong:
            return try self.readInteger(as: UInt64.self, context())
        case AMQPFormatCode.symbol8, AMQPFormatCode.symbol32:
            let length = try self.readSize(wide: formatCode == AMQPFormatCode.symbol32, context())
            let name = try self.readUTF8(length: length, context())
            guard let code = AMQPDescriptor.code(forSymbolicName: name) else {
                throw self.error(.unexpectedDescriptor, context(), at: descriptorOffset)
            }
            return code
        default:
            throw self.error(.unexpectedDescriptor, context(), formatCode: formatCode, at: descriptorOffset)
        }
    }

    /// Reads the list that holds a composite's fields (after its descriptor).
    mutating func beginFields(of compositeName: String) throws -> AMQPFieldReader {
        let constructorOffset = self.offset
        let formatCode = try self.readByte(compositeName)
        switch formatCode {
        case AMQPFormatCode.list0:
            return AMQPFieldReader(compositeName: compositeName, count: 0, endIndex: self.readerIndex)
        case AMQPFormatCode.list8, AMQPFormatCode.list32:
            let (count, endIndex) = try self.readCompoundHeader(
                wide: formatCode == AMQPFormatCode.list32,
                compositeName
            )
            return AMQPFieldReader(compositeName: compositeName, count: count, endIndex: endIndex)
        default:
            throw self.error(.unexpectedFormatCode, compositeName, formatCode: formatCode, at: constructorOffset)
        }
    }

    /// Skips fields a newer peer may have appended and checks the list's declared size held.
    mutating func endFields(_ fields: AMQPFieldReader) throws {
        var fields = fields
        while fields.takeField() {
            try self.skipValue(depth: 1)
        }
        try self.finishCompound(endIndex: fields.endIndex, fields.compositeName)
    }

    func mandatory<Value>(_ value: Value?, _ field: String, in fields: AMQPFieldReader) throws -> Value {
        guard let value else {
            throw self.error(.missingMandatoryField, fields.context(field))
        }
        return value
    }

    /// Reads the next field's constructor, or returns nil when the field is absent or null.
    private mutating func nextFieldFormatCode(_ fields: inout AMQPFieldReader, _ field: String) throws -> UInt8? {
        guard fields.takeField() else { return nil }
        let formatCode = try self.readByte(fields.context(field))
        return formatCode == AMQPFormatCode.null ? nil : formatCode
    }

    private func unexpected(_ formatCode: UInt8, _ fields: AMQPFieldReader, _ field: String) -> AMQPDecodingError {
        self.error(.unexpectedFormatCode, fields.context(field), formatCode: formatCode, at: self.offset - 1)
    }

    mutating func readBool(_ fields: inout AMQPFieldReader, _ field: String) throws -> Bool? {
        guard let formatCode = try self.nextFieldFormatCode(&fields, field) else { return nil }
        switch formatCode {
        case AMQPFormatCode.booleanTrue: return true
        case AMQPFormatCode.booleanFalse: return false
        case AMQPFormatCode.boolean: return try self.readBooleanByte()
        default: throw self.unexpected(formatCode, fields, field)
        }
    }

    /// Any unsigned integer encoding; fields are lenient about width as long as the value fits.
    mutating func readUnsigned(_ fields: inout AMQPFieldReader, _ field: String) throws -> UInt64? {
        guard let formatCode = try self.nextFieldFormatCode(&fields, field) else { return nil }
        return try self.readUnsignedBody(formatCode: formatCode, fields, field)
    }

    private mutating func readUnsignedBody(
        formatCode: UInt8,
        _ fields: AMQPFieldReader,
        _ field: String
    ) throws -> UInt64 {
        switch formatCode {
        case AMQPFormatCode.uint0, AMQPFormatCode.ulong0:
            return 0
        case AMQPFormatCode.ubyte, AMQPFormatCode.smallUInt, AMQPFormatCode.smallULong:
            return UInt64(try self.readByte(fields.context(field)))
        case AMQPFormatCode.ushort:
            return UInt64(try self.readInteger(as: UInt16.self, fields.context(field)))
        case AMQPFormatCode.uint:
            return UInt64(try self.readInteger(as: UInt32.self, fields.context(field)))
        case AMQPFormatCode.ulong:
            return try self.readInteger(as: UInt64.self, fields.context(field))
        default:
            throw self.unexpected(formatCode, fields, field)
        }
    }

    mutating func readUInt32(_ fields: inout AMQPFieldReader, _ field: String) throws -> UInt32? {
        try self.readNarrowUnsigned(&fields, field)
    }

    mutating func readUInt16(_ fields: inout AMQPFieldReader, _ field: String) throws -> UInt16? {
        try self.readNarrowUnsigned(&fields, field)
    }

    mutating func readUInt8(_ fields: inout AMQPFieldReader, _ field: String) throws -> UInt8? {
        try self.readNarrowUnsigned(&fields, field)
    }

    private mutating func readNarrowUnsigned<Integer: FixedWidthInteger>(
        _ fields: inout AMQPFieldReader,
        _ field: String
    ) throws -> Integer? {
        let valueOffset = self.offset
        guard let value = try self.readUnsigned(&fields, field) else { return nil }
        guard let narrowed = Integer(exactly: value) else {
            throw self.error(.valueOutOfRange, fields.context(field), at: valueOffset)
        }
        return narrowed
    }

    mutating func readTimestamp(_ fields: inout AMQPFieldReader, _ field: String) throws -> Int64? {
        guard let formatCode = try self.nextFieldFormatCode(&fields, field) else { return nil }
        guard formatCode == AMQPFormatCode.timestamp else { throw self.unexpected(formatCode, fields, field) }
        return try self.readInteger(as: Int64.self, fields.context(field))
    }

    mutating func readString(_ fields: inout AMQPFieldReader, _ field: String) throws -> String? {
        guard let formatCode = try self.nextFieldFormatCode(&fields, field) else { return nil }
        guard formatCode == AMQPFormatCode.string8 || formatCode == AMQPFormatCode.string32 else {
            throw self.unexpected(formatCode, fields, field)
        }
        let length = try self.readSize(wide: formatCode == AMQPFormatCode.string32, fields.context(field))
        return try self.readUTF8(length: length, fields.context(field))
    }

    mutating func readSymbol(_ fields: inout AMQPFieldReader, _ field: String) throws -> String? {
        guard let formatCode = try self.nextFieldFormatCode(&fields, field) else { return nil }
        return try self.readSymbolBody(formatCode: formatCode, fields, field)
    }

    private mutating func readSymbolBody(formatCode: UInt8, _ fields: AMQPFieldReader, _ field: String) throws -> String
    {
        guard formatCode == AMQPFormatCode.symbol8 || formatCode == AMQPFormatCode.symbol32 else {
            throw self.unexpected(formatCode, fields, field)
        }
        let length = try self.readSize(wide: formatCode == AMQPFormatCode.symbol32, fields.context(field))
        return try self.readUTF8(length: length, fields.context(field))
    }

    mutating func readBinary(_ fields: inout AMQPFieldReader, _ field: String) throws -> ByteBuffer? {
        guard let formatCode = try self.nextFieldFormatCode(&fields, field) else { return nil }
        guard formatCode == AMQPFormatCode.binary8 || formatCode == AMQPFormatCode.binary32 else {
            throw self.unexpected(formatCode, fields, field)
        }
        let length = try self.readSize(wide: formatCode == AMQPFormatCode.binary32, fields.context(field))
        return try self.readSlice(length: length, fields.context(field))
    }

    /// A "multiple" symbol field: a single symbol or an array of symbols (part 1, section 1.4).
    mutating func readSymbols(_ fields: inout AMQPFieldReader, _ field: String) throws -> [String]? {
        guard let formatCode = try self.nextFieldFormatCode(&fields, field) else { return nil }
        switch formatCode {
        case AMQPFormatCode.symbol8, AMQPFormatCode.symbol32:
            return [try self.readSymbolBody(formatCode: formatCode, fields, field)]
        case AMQPFormatCode.array8, AMQPFormatCode.array32:
            let array = try self.readPrimitive(formatCode: formatCode, depth: 1)
            guard case .array(let elements) = array, elements.elementType == .symbol, elements.descriptor == nil else {
                throw self.error(.unexpectedFormatCode, fields.context(field), formatCode: formatCode)
            }
            return elements.elements.compactMap { element in
                if case .symbol(let symbol) = element { return symbol }
                return nil
            }
        default:
            throw self.unexpected(formatCode, fields, field)
        }
    }

    /// A map field (`fields`, annotations, filter-set); the keys are not restricted here.
    mutating func readMap(_ fields: inout AMQPFieldReader, _ field: String) throws -> AMQPMap? {
        guard let formatCode = try self.nextFieldFormatCode(&fields, field) else { return nil }
        guard formatCode == AMQPFormatCode.map8 || formatCode == AMQPFormatCode.map32 else {
            throw self.unexpected(formatCode, fields, field)
        }
        guard case .map(let map) = try self.readPrimitive(formatCode: formatCode, depth: 1) else {
            throw self.unexpected(formatCode, fields, field)
        }
        return map
    }

    /// A field of any type (`*` in the spec); null reads as absent.
    mutating func readAnyValue(_ fields: inout AMQPFieldReader, _ field: String) throws -> AMQPValue? {
        guard fields.takeField() else { return nil }
        let value = try self.readValue(depth: 1)
        return value == .null ? nil : value
    }

    /// A composite-typed field: null or a described list of the expected descriptor.
    mutating func readComposite<Composite: AMQPComposite>(
        _ type: Composite.Type,
        _ fields: inout AMQPFieldReader,
        _ field: String
    ) throws -> Composite? {
        guard fields.takeField() else { return nil }
        if self.readNullIfPresent() {
            return nil
        }
        return try self.readComposite(Composite.self, context: fields.context(field))
    }

    /// Reads a described composite, checking its descriptor.
    mutating func readComposite<Composite: AMQPComposite>(
        _ type: Composite.Type,
        context: @autoclosure () -> String
    ) throws -> Composite {
        let descriptorOffset = self.offset
        let code = try self.readDescriptorCode(context())
        guard code == Composite.descriptorCode else {
            throw self.error(.unexpectedDescriptor, context(), at: descriptorOffset)
        }
        return try self.readFields(of: Composite.self)
    }

    /// Reads a composite's field list once its descriptor has been read.
    mutating func readFields<Composite: AMQPComposite>(of type: Composite.Type) throws -> Composite {
        // Composites can nest (transactional-state holds an outcome), so they count towards the depth.
        guard self.compositeDepth < Self.maximumNestingDepth else {
            throw self.error(.nestingTooDeep, Composite.compositeName)
        }
        self.compositeDepth += 1
        defer { self.compositeDepth -= 1 }
        var fields = try self.beginFields(of: Composite.compositeName)
        let value = try Composite(fields: &fields, decoder: &self)
        try self.endFields(fields)
        return value
    }
}
