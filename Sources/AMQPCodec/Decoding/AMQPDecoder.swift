import NIOCore

/// Reads AMQP-encoded values from the readable bytes of a buffer. Every read checks the bytes that remain
/// first, so no input can make it trap or allocate more than the input justifies.
///
/// It reads through a raw pointer rather than `ByteBuffer` calls, whose per-call bounds and exclusivity
/// checks cost more than the bytes of a small field. The pointer is only valid inside
/// `AMQPDecoder.decode(_:offsetOfFirstByte:_:)`, the one way to make a decoder, so it cannot escape.
struct AMQPDecoder {
    /// Deepest nesting of lists, maps, arrays and described values accepted; deeper input is hostile.
    static let maximumNestingDepth = 32

    /// The decoded buffer, for slicing binaries out of it without a copy.
    private let buffer: ByteBuffer
    private let bytes: UnsafeRawBufferPointer
    /// Index in `bytes` of the next byte to read.
    private(set) var readerIndex = 0
    /// What `offset` reports for index 0.
    private let offsetOfFirstByte: Int
    /// How many more values may be materialised. Starts at the input size so that zero-width array
    /// elements (`null`, `uint0`, …) cannot turn a 4-byte count into billions of values.
    private var valueBudget: Int
    /// How many composite values are being decoded inside each other.
    var compositeDepth = 0

    private init(buffer: ByteBuffer, bytes: UnsafeRawBufferPointer, offsetOfFirstByte: Int) {
        self.buffer = buffer
        self.bytes = bytes
        self.offsetOfFirstByte = offsetOfFirstByte
        self.valueBudget = bytes.count + 64
    }

    /// Runs `body` with a decoder over the buffer's readable bytes, then moves the buffer's reader index
    /// past the bytes it consumed. On error the buffer is unchanged.
    ///
    /// - Parameter offsetOfFirstByte: the offset errors report for the first readable byte, for a buffer
    ///   that is part of a larger unit (such as a frame body).
    static func decode<Result>(
        _ buffer: inout ByteBuffer,
        offsetOfFirstByte: Int = 0,
        _ body: (inout AMQPDecoder) throws -> Result
    ) throws -> Result {
        let source = buffer
        let (result, consumed) = try source.withUnsafeReadableBytes { bytes in
            var decoder = AMQPDecoder(buffer: source, bytes: bytes, offsetOfFirstByte: offsetOfFirstByte)
            let result = try body(&decoder)
            return (result, decoder.readerIndex)
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        return result
    }

    var offset: Int { self.readerIndex + self.offsetOfFirstByte }

    var readableBytes: Int { self.bytes.count - self.readerIndex }

    func error(
        _ code: AMQPDecodingError.Code,
        _ context: String,
        formatCode: UInt8? = nil,
        size: Int? = nil,
        at offset: Int? = nil
    ) -> AMQPDecodingError {
        AMQPDecodingError(
            code: code,
            context: context,
            offset: offset ?? self.offset,
            formatCode: formatCode,
            size: size
        )
    }

    /// The next byte without consuming it, or nil at the end.
    func peekByte() -> UInt8? {
        guard self.readerIndex < self.bytes.count else { return nil }
        return self.bytes[self.readerIndex]
    }

    /// Consumes a null constructor if one is next; used for optional composite fields.
    mutating func readNullIfPresent() -> Bool {
        guard self.peekByte() == AMQPFormatCode.null else { return false }
        self.readerIndex += 1
        return true
    }

    mutating func readByte(_ context: @autoclosure () -> String) throws -> UInt8 {
        guard self.readerIndex < self.bytes.count else {
            throw self.error(.truncated, context())
        }
        let byte = self.bytes[self.readerIndex]
        self.readerIndex += 1
        return byte
    }

    mutating func readInteger<Integer: FixedWidthInteger>(
        as type: Integer.Type,
        _ context: @autoclosure () -> String
    ) throws -> Integer {
        let width = MemoryLayout<Integer>.size
        guard width <= self.readableBytes else {
            throw self.error(.truncated, context())
        }
        var value = Integer.zero
        for index in self.readerIndex..<(self.readerIndex + width) {
            value = value << 8 | Integer(truncatingIfNeeded: self.bytes[index])
        }
        self.readerIndex += width
        return value
    }

    /// Reads the 1- or 4-byte size prefix of a variable-width or compound encoding and checks that
    /// that many bytes remain.
    mutating func readSize(wide: Bool, _ context: @autoclosure () -> String) throws -> Int {
        let sizeOffset = self.offset
        let size: Int
        if wide {
            size = Self.length(try self.readInteger(as: UInt32.self, context()))
        } else {
            size = Int(try self.readByte(context()))
        }
        guard size <= self.readableBytes else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: size, at: sizeOffset)
        }
        return size
    }

    /// The next `length` bytes as a slice of the decoded buffer (no copy).
    mutating func readSlice(length: Int, _ context: @autoclosure () -> String) throws -> ByteBuffer {
        guard length <= self.readableBytes,
            let slice = self.buffer.getSlice(at: self.buffer.readerIndex + self.readerIndex, length: length)
        else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: length)
        }
        self.readerIndex += length
        return slice
    }

    mutating func skip(_ length: Int, _ context: @autoclosure () -> String) throws {
        guard length <= self.readableBytes else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: length)
        }
        self.readerIndex += length
    }

    /// Reads `length` bytes as UTF-8, rejecting invalid sequences.
    mutating func readUTF8(length: Int, _ context: @autoclosure () -> String) throws -> String {
        guard length <= self.readableBytes else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: length)
        }
        let utf8 = UnsafeRawBufferPointer(rebasing: self.bytes[self.readerIndex..<(self.readerIndex + length)])
        guard UTF8Validation.isValid(utf8) else {
            throw self.error(.invalidUTF8, context())
        }
        self.readerIndex += length
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The next `length` bytes as a slice (no copy), rejecting invalid UTF-8.
    mutating func readValidatedUTF8Slice(length: Int, _ context: @autoclosure () -> String) throws -> ByteBuffer {
        guard length <= self.readableBytes else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: length)
        }
        guard UTF8Validation.isValid(UnsafeRawBufferPointer(rebasing: self.bytes[self.readerIndex..<(self.readerIndex + length)])) else {
            throw self.error(.invalidUTF8, context())
        }
        return try self.readSlice(length: length, context())
    }

    /// Whether the next `length` bytes equal `expected`, consuming them either way (comparing a map
    /// key with a name without making a String of it).
    mutating func readBytes(length: Int, equalTo expected: some Collection<UInt8>, _ context: @autoclosure () -> String) throws -> Bool {
        guard length <= self.readableBytes else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: length)
        }
        let actual = UnsafeRawBufferPointer(rebasing: self.bytes[self.readerIndex..<(self.readerIndex + length)])
        self.readerIndex += length
        return length == expected.count && actual.elementsEqual(expected)
    }

    /// Takes `count` values from the budget, failing when the input cannot justify that many.
    mutating func spendValueBudget(_ count: Int, _ context: @autoclosure () -> String) throws {
        guard count <= self.valueBudget else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: count)
        }
        self.valueBudget -= count
    }

    /// Moves to `endIndex`, the declared end of a compound value, failing if its contents ran past it.
    mutating func finishCompound(endIndex: Int, _ context: @autoclosure () -> String) throws {
        guard self.readerIndex <= endIndex, endIndex <= self.bytes.count else {
            throw self.error(.sizeExceedsRemainingBytes, context(), at: endIndex + self.offsetOfFirstByte)
        }
        self.readerIndex = endIndex
    }

    /// A wire length as an `Int`, saturating where `Int` is 32 bits so the later bounds check fails cleanly.
    static func length(_ value: UInt32) -> Int {
        Int(exactly: value) ?? Int.max
    }
}
