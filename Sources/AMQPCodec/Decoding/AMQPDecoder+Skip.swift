extension AMQPDecoder {
    /// Moves past one value using only its constructor and size fields, without materialising it.
    /// Used to find section boundaries in messages whose contents the broker must not touch.
    mutating func skipValue(depth: Int) throws {
        let formatCode = try self.readByte("constructor")
        if formatCode == AMQPFormatCode.described {
            guard depth < Self.maximumNestingDepth else {
                throw self.error(.nestingTooDeep, "described value", formatCode: formatCode)
            }
            try self.skipValue(depth: depth + 1)
            try self.skipValue(depth: depth + 1)
            return
        }
        let width: Int
        switch formatCode {
        case AMQPFormatCode.null, AMQPFormatCode.booleanTrue, AMQPFormatCode.booleanFalse, AMQPFormatCode.uint0,
            AMQPFormatCode.ulong0, AMQPFormatCode.list0:
            width = 0
        case AMQPFormatCode.boolean, AMQPFormatCode.ubyte, AMQPFormatCode.byte, AMQPFormatCode.smallUInt,
            AMQPFormatCode.smallULong, AMQPFormatCode.smallInt, AMQPFormatCode.smallLong:
            width = 1
        case AMQPFormatCode.ushort, AMQPFormatCode.short:
            width = 2
        case AMQPFormatCode.uint, AMQPFormatCode.int, AMQPFormatCode.float, AMQPFormatCode.decimal32,
            AMQPFormatCode.char:
            width = 4
        case AMQPFormatCode.ulong, AMQPFormatCode.long, AMQPFormatCode.double, AMQPFormatCode.decimal64,
            AMQPFormatCode.timestamp:
            width = 8
        case AMQPFormatCode.decimal128, AMQPFormatCode.uuid:
            width = 16
        case AMQPFormatCode.binary8, AMQPFormatCode.string8, AMQPFormatCode.symbol8, AMQPFormatCode.list8,
            AMQPFormatCode.map8, AMQPFormatCode.array8:
            width = try self.readSize(wide: false, "value")
        case AMQPFormatCode.binary32, AMQPFormatCode.string32, AMQPFormatCode.symbol32, AMQPFormatCode.list32,
            AMQPFormatCode.map32, AMQPFormatCode.array32:
            width = try self.readSize(wide: true, "value")
        default:
            throw self.error(.unknownFormatCode, "constructor", formatCode: formatCode, at: self.offset - 1)
        }
        guard width <= self.readableBytes else {
            throw self.error(.truncated, "value")
        }
        try self.skip(width, "value")
    }
}
