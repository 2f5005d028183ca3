import NIOCore
import Testing

@testable import AMQPCodec

/// One malformed fixture per check the value decoder makes; each asserts the specific error.
@Suite("Malformed values")
struct MalformedValueTests {
    @Test("Truncated at every fixed width")
    func truncatedFixedWidths() {
        for hex in [
            "", "50", "60 01", "70 00 00 00", "52", "80 00 00 00 00 00 00 00", "53", "51", "61 00", "71 00 00",
            "54", "81 00", "55", "72 00 00 00", "82 00 00 00 00 00 00 00", "74 00", "84 00", "94 00 00", "73 00 00 00",
            "83 00 00 00 00 00 00 00", "98 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e", "56",
        ] {
            expectValueError(hex, .truncated)
        }
    }

    @Test("Truncated size and count fields of variable and compound encodings")
    func truncatedSizes() {
        for hex in [
            "a0", "b0 00 00 00", "a1", "b1 00", "a3", "b3 00 00", "c0", "d0 00 00", "c1", "d1 00", "e0", "f0 00",
        ] {
            expectValueError(hex, .truncated)
        }
        // A size too small to hold the count field.
        expectValueError("c0 00", .truncated)
        expectValueError("d0 00 00 00 03 00 00 00", .truncated)
        // An array needs room for its count and element constructor.
        expectValueError("e0 01 00", .truncated)
        // The described value is missing.
        expectValueError("00 53 24", .truncated)
    }

    @Test("Declared size larger than the remaining bytes")
    func sizeLargerThanRemaining() {
        expectValueError("a0 05 01 02", .sizeExceedsRemainingBytes, context: "binary", offset: 1)
        expectValueError("b0 ff ff ff ff 01", .sizeExceedsRemainingBytes, context: "binary")
        expectValueError("a1 03 61", .sizeExceedsRemainingBytes, context: "string")
        expectValueError("b3 00 00 00 09 61", .sizeExceedsRemainingBytes, context: "symbol")
        expectValueError("c0 05 01 40", .sizeExceedsRemainingBytes, context: "list")
        expectValueError("d1 ff ff ff ff 00 00 00 02 40 40", .sizeExceedsRemainingBytes, context: "map")
        expectValueError("f0 7f ff ff ff 00 00 00 01 40", .sizeExceedsRemainingBytes, context: "array")
    }

    @Test("Element count larger than the bytes that could hold the elements")
    func countLargerThanSize() {
        expectValueError("c0 02 05 40", .sizeExceedsRemainingBytes, context: "list")
        expectValueError("d0 00 00 00 05 ff ff ff ff 40", .sizeExceedsRemainingBytes, context: "list")
        expectValueError("c1 03 04 40 40", .sizeExceedsRemainingBytes, context: "map")
        expectValueError("e0 03 05 52 01", .sizeExceedsRemainingBytes, context: "array")
        // Zero-width elements: four billion nulls from a 10-byte input must not be materialised.
        expectValueError("f0 00 00 00 05 ff ff ff ff 40", .sizeExceedsRemainingBytes, context: "array")
    }

    @Test("Elements running past their container's declared size")
    func elementsOverrunContainer() {
        expectValueError("c0 02 01 a1 05" + ascii("hello"), .sizeExceedsRemainingBytes, context: "list")
        expectValueError("c1 03 02 a1 01 61 40", .sizeExceedsRemainingBytes, context: "map")
        expectValueError("e0 04 01 a1 05" + ascii("hello"), .sizeExceedsRemainingBytes, context: "array")
    }

    @Test("Invalid UTF-8 in strings and symbols")
    func invalidUTF8() {
        expectValueError("a1 02 c3 28", .invalidUTF8, context: "string")  // bad continuation
        expectValueError("a1 02 c0 80", .invalidUTF8)  // overlong NUL
        expectValueError("a1 03 ed a0 80", .invalidUTF8)  // UTF-16 surrogate
        expectValueError("a1 04 f4 90 80 80", .invalidUTF8)  // above U+10FFFF
        expectValueError("a1 01 e2", .invalidUTF8)  // truncated sequence
        expectValueError("a1 01 ff", .invalidUTF8)
        expectValueError("a3 01 80", .invalidUTF8, context: "symbol")
    }

    @Test("Invalid char code points")
    func invalidChar() {
        expectValueError("73 00 00 d8 00", .invalidCharacter)
        expectValueError("73 00 11 00 00", .invalidCharacter)
    }

    @Test("Nesting deeper than the limit")
    func nestingTooDeep() {
        let depth = AMQPDecoder.maximumNestingDepth + 1
        // Lists nested inside lists: c0 size 01 <inner> ... ending with list0.
        var lists = ByteBuffer(bytes: [0x45])
        for _ in 0..<depth {
            var outer = ByteBuffer(bytes: [0xd0])
            outer.writeInteger(UInt32(lists.readableBytes + 4))
            outer.writeInteger(UInt32(1))
            outer.writeImmutableBuffer(lists)
            lists = outer
        }
        expectValueError(lists.hexString, .nestingTooDeep, context: "list")
        // Described values whose descriptors are described values.
        expectValueError(String(repeating: "00 ", count: depth + 1) + "40 40", .nestingTooDeep)
        // Just under the limit decodes.
        var shallow = ByteBuffer(hex: String(repeating: "c0 ", count: 0) + "45")
        #expect((try? AMQPValue(decoding: &shallow)) == .list([]))
    }

    @Test("Unknown constructors")
    func unknownConstructor() {
        for hex in ["01", "57", "ff", "a2 00", "c2 01 00", "e1 02 00 40"] {
            expectValueError(hex, .unknownFormatCode, context: "constructor", offset: 0)
        }
        expectValueError("e0 02 01 ff", .unknownFormatCode, context: "array element constructor")
        // Arrays of arrays of described elements need a nested descriptor constructor, which is rejected.
        expectValueError("e0 05 01 00 40 00 40", .invalidArrayElement)
    }

    @Test("Values outside their type's range")
    func outOfRange() {
        expectValueError("56 02", .valueOutOfRange, context: "boolean")
        expectValueError("c1 02 01 40", .valueOutOfRange, context: "map")  // odd element count
    }
}
