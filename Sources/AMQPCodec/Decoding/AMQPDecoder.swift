import NIOCore

/// Reads AMQP-encoded values from a buffer. Every read checks the bytes that remain first, so no input
/// can make it trap or allocate more than the input justifies.
struct AMQPDecoder {
    /// Deepest nesting of lists, maps, arrays and described values accepted; deeper input is hostile.
    static let maximumNestingDepth = 32

    var buffer: ByteBuffer
    /// Reader index that offset 0 in errors refers to.
    private let baseIndex: Int
    /// How many more values may be materialised. Starts at the input size so that zero-width array
    /// elements (`null`, `uint0`, …) cannot turn a 4-byte count into billions of values.
    private var valueBudget: Int
    /// How many composite values are being decoded inside each other.
    var compositeDepth = 0

    /// - Parameter offsetOfFirstByte: the offset errors report for the current reader index, for a
    ///   buffer that is a slice of a larger unit (such as a frame body).
    init(buffer: ByteBuffer, offsetOfFirstByte: Int = 0) {
        self.buffer = buffer
        self.baseIndex = buffer.readerIndex - offsetOfFirstByte
        self.valueBudget = buffer.readableBytes + 64
    }

    var offset: Int { self.buffer.readerIndex - self.baseIndex }

    var readerIndex: Int { self.buffer.readerIndex }

    func error(
        _ code: AMQPDecodingError.Code,
        _ context: String,
        formatCode: UInt8? = nil,
        size: Int? = nil,
        at offset: Int? = nil
    ) -> AMQPDecodingError {
        AMQPDecodingError(code: code, context: context, offset: offset ?? self.offset, formatCode: formatCode, size: size)
    }

    mutating func readByte(_ context: @autoclosure () -> String) throws -> UInt8 {
        guard let byte = self.buffer.readInteger(as: UInt8.self) else {
            throw self.error(.truncated, context())
        }
        return byte
    }

    mutating func readInteger<Integer: FixedWidthInteger>(
        as type: Integer.Type,
        _ context: @autoclosure () -> String
    ) throws -> Integer {
        guard let value = self.buffer.readInteger(as: Integer.self) else {
            throw self.error(.truncated, context())
        }
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
        guard size <= self.buffer.readableBytes else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: size, at: sizeOffset)
        }
        return size
    }

    mutating func readSlice(length: Int, _ context: @autoclosure () -> String) throws -> ByteBuffer {
        guard let slice = self.buffer.readSlice(length: length) else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: length)
        }
        return slice
    }

    mutating func skip(_ length: Int, _ context: @autoclosure () -> String) throws {
        guard length <= self.buffer.readableBytes else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: length)
        }
        self.buffer.moveReaderIndex(forwardBy: length)
    }

    /// Reads `length` bytes as UTF-8, rejecting invalid sequences.
    mutating func readUTF8(length: Int, _ context: @autoclosure () -> String) throws -> String {
        guard length <= self.buffer.readableBytes else {
            throw self.error(.sizeExceedsRemainingBytes, context(), size: length)
        }
        let isValid = self.buffer.withUnsafeReadableBytes { bytes in
            UTF8Validation.isValid(UnsafeRawBufferPointer(rebasing: bytes[0..<length]))
        }
        guard isValid, let string = self.buffer.readString(length: length) else {
            throw self.error(.invalidUTF8, context())
        }
        return string
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
        guard self.buffer.readerIndex <= endIndex else {
            throw self.error(.sizeExceedsRemainingBytes, context(), at: endIndex - self.baseIndex)
        }
        self.buffer.moveReaderIndex(to: endIndex)
    }

    /// A wire length as an `Int`, saturating where `Int` is 32 bits so the later bounds check fails cleanly.
    static func length(_ value: UInt32) -> Int {
        Int(exactly: value) ?? Int.max
    }
}
