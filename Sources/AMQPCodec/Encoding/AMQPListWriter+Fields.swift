import NIOCore

/// Field writers for composite types. A nil field is written as null; `endList` later drops trailing
/// nulls, as the spec allows, so omitted trailing fields cost nothing on the wire.
extension ByteBuffer {
    mutating func writeNullField(_ list: inout AMQPListWriter) {
        self.writeInteger(AMQPFormatCode.null)
        list.elementWritten(isNull: true, endIndex: self.writerIndex)
    }

    private mutating func fieldWritten(_ list: inout AMQPListWriter) {
        list.elementWritten(isNull: false, endIndex: self.writerIndex)
    }

    mutating func writeField(_ value: Bool?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeInteger(value ? AMQPFormatCode.booleanTrue : AMQPFormatCode.booleanFalse)
        self.fieldWritten(&list)
    }

    /// Writes a boolean, or null when it equals the field's default.
    mutating func writeField(_ value: Bool, default defaultValue: Bool, _ list: inout AMQPListWriter) {
        self.writeField(value == defaultValue ? nil : value, &list)
    }

    mutating func writeField(_ value: UInt32?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeUInt(value)
        self.fieldWritten(&list)
    }

    mutating func writeField(_ value: UInt32, default defaultValue: UInt32, _ list: inout AMQPListWriter) {
        self.writeField(value == defaultValue ? nil : value, &list)
    }

    mutating func writeField(_ value: UInt64?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeULong(value)
        self.fieldWritten(&list)
    }

    mutating func writeField(_ value: UInt16?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeMultipleIntegers(AMQPFormatCode.ushort, value)
        self.fieldWritten(&list)
    }

    mutating func writeField(_ value: UInt8?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeMultipleIntegers(AMQPFormatCode.ubyte, value)
        self.fieldWritten(&list)
    }

    mutating func writeTimestampField(_ value: Int64?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeTimestamp(value)
        self.fieldWritten(&list)
    }

    mutating func writeStringField(_ value: String?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeString(value, narrowCode: AMQPFormatCode.string8, wideCode: AMQPFormatCode.string32)
        self.fieldWritten(&list)
    }

    mutating func writeSymbolField(_ value: String?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeSymbol(value)
        self.fieldWritten(&list)
    }

    mutating func writeField(_ value: ByteBuffer?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeBinary(value)
        self.fieldWritten(&list)
    }

    /// A "multiple" symbol field, always written as an array (nil and empty are omitted).
    mutating func writeSymbolsField(_ value: [String]?, _ list: inout AMQPListWriter) {
        guard let value, !value.isEmpty else { return self.writeNullField(&list) }
        self.writeArray(AMQPArray(symbols: value))
        self.fieldWritten(&list)
    }

    mutating func writeField(_ value: AMQPMap?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeMap(value)
        self.fieldWritten(&list)
    }

    mutating func writeField(_ value: AMQPValue?, _ list: inout AMQPListWriter) {
        guard let value, value != .null else { return self.writeNullField(&list) }
        self.writeAMQPValue(value)
        self.fieldWritten(&list)
    }

    mutating func writeField<Composite: AMQPComposite>(_ value: Composite?, _ list: inout AMQPListWriter) {
        guard let value else { return self.writeNullField(&list) }
        self.writeComposite(value)
        self.fieldWritten(&list)
    }
}
