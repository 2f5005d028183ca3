import NIOCore
import Testing

@testable import AMQPCodec

/// Golden fixtures for every primitive encoding of OASIS AMQP 1.0 part 1, section 1.6 ("Primitive Type
/// Definitions"), and the compound encodings of section 1.6.22 to 1.6.25. Each fixture decodes to the value
/// and the value encodes back to the fixture, which is the smallest encoding.
@Suite("Primitive encodings (part 1.6)")
struct PrimitiveEncodingTests {
    @Test("1.6.1 null, 1.6.2 boolean true/false")
    func nullAndBoolean() throws {
        try expectValueFixture("40", .null)
        try expectValueFixture("41", .boolean(true))
        try expectValueFixture("42", .boolean(false))
    }

    @Test("1.6.3-1.6.6 unsigned integers at every width")
    func unsignedIntegers() throws {
        try expectValueFixture("50 07", .ubyte(7))
        try expectValueFixture("60 01 02", .ushort(0x0102))
        try expectValueFixture("43", .uint(0))  // uint0
        try expectValueFixture("52 ff", .uint(255))  // smalluint
        try expectValueFixture("70 00 00 01 00", .uint(256))
        try expectValueFixture("44", .ulong(0))  // ulong0
        try expectValueFixture("53 07", .ulong(7))  // smallulong
        try expectValueFixture("80 00 00 00 01 00 00 00 00", .ulong(1 << 32))
    }

    @Test("1.6.7-1.6.10 signed integers at every width")
    func signedIntegers() throws {
        try expectValueFixture("51 ff", .byte(-1))
        try expectValueFixture("61 ff fe", .short(-2))
        try expectValueFixture("54 fe", .int(-2))  // smallint
        try expectValueFixture("71 ff ff ff 7f", .int(-129))
        try expectValueFixture("55 7f", .long(127))  // smalllong
        try expectValueFixture("81 ff ff ff ff ff ff ff 7f", .long(-129))
    }

    @Test("1.6.11 float, 1.6.12 double (IEEE 754 binary32/64)")
    func floatingPoint() throws {
        try expectValueFixture("72 3f c0 00 00", .float(1.5))
        try expectValueFixture("82 c0 04 00 00 00 00 00 00", .double(-2.5))
    }

    @Test("1.6.13-1.6.15 decimal32/64/128 keep their raw bits")
    func decimals() throws {
        try expectValueFixture("74 22 50 00 01", .decimal32(0x2250_0001))
        try expectValueFixture("84 22 38 00 00 00 00 00 01", .decimal64(0x2238_0000_0000_0001))
        try expectValueFixture(
            "94 22 08 00 00 00 00 00 00 00 00 00 00 00 00 00 01",
            .decimal128(AMQPDecimal128(high: 0x2208_0000_0000_0000, low: 1))
        )
    }

    @Test("1.6.16 char (UTF-32), 1.6.17 timestamp (ms since epoch), 1.6.18 uuid")
    func charTimestampUUID() throws {
        try expectValueFixture("73 00 01 f6 00", .char("\u{1F600}"))
        try expectValueFixture("83 00 00 01 8b cf e5 68 00", .timestamp(1_700_000_000_000))
        try expectValueFixture(
            "98 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10",
            .uuid(AMQPUUID(high: 0x0102_0304_0506_0708, low: 0x090a_0b0c_0d0e_0f10))
        )
    }

    @Test("1.6.19 binary vbin8/vbin32")
    func binary() throws {
        try expectValueFixture("a0 03 01 02 03", .binary(ByteBuffer(bytes: [1, 2, 3])))
        try expectValueFixture("a0 00", .binary(ByteBuffer()))
        let long = [UInt8](repeating: 0xab, count: 256)
        try expectValueFixture(
            "b0 00 00 01 00" + String(repeating: " ab", count: 256),
            .binary(ByteBuffer(bytes: long))
        )
    }

    @Test("1.6.20 string str8-utf8/str32-utf8")
    func string() throws {
        try expectValueFixture("a1 05" + ascii("hello"), .string("hello"))
        try expectValueFixture("a1 02 c3 a9", .string("é"))
        let long = String(repeating: "a", count: 300)
        try expectValueFixture("b1 00 00 01 2c" + ascii(long), .string(long))
    }

    @Test("1.6.21 symbol sym8/sym32")
    func symbol() throws {
        try expectValueFixture("a3 03" + ascii("foo"), .symbol("foo"))
        let long = String(repeating: "s", count: 256)
        try expectValueFixture("b3 00 00 01 00" + ascii(long), .symbol(long))
    }

    @Test("1.6.22 list0/list8/list32")
    func list() throws {
        try expectValueFixture("45", .list([]))
        try expectValueFixture("c0 08 03 41 52 07 a1 02 68 69", .list([.boolean(true), .uint(7), .string("hi")]))
        // 256 elements do not fit an 8-bit count.
        try expectValueFixture(
            "d0 00 00 01 04 00 00 01 00" + String(repeating: " 40", count: 256),
            .list(Array(repeating: .null, count: 256))
        )
        // 309 bytes do not fit an 8-bit size.
        try expectValueFixture(
            "d0 00 00 01 35 00 00 00 01 b0 00 00 01 2c" + String(repeating: " ab", count: 300),
            .list([.binary(ByteBuffer(bytes: [UInt8](repeating: 0xab, count: 300)))])
        )
    }

    @Test("1.6.23 map8/map32, keys of any type, order kept")
    func map() throws {
        try expectValueFixture(
            "c1 09 04 a3 01 61 52 01 53 02 40",
            .map([.symbol("a"): .uint(1), .ulong(2): .null])
        )
        try expectValueFixture("c1 01 00", .map(AMQPMap()))
        let long = String(repeating: "a", count: 300)
        try expectValueFixture(
            "d1 00 00 01 38 00 00 00 02 a1 01 6b b1 00 00 01 2c" + ascii(long),
            .map([.string("k"): .string(long)])
        )
    }

    @Test("1.6.24 array8/array32 with one shared element constructor")
    func array() throws {
        try expectValueFixture(
            "e0 0a 02 a3 03" + ascii("foo") + "03" + ascii("bar"),
            .array(AMQPArray(symbols: ["foo", "bar"]))
        )
        try expectValueFixture("e0 02 00 a3", .array(AMQPArray(symbols: [])))
        try expectValueFixture(
            "e0 04 02 52 01 02",
            .array(try #require(AMQPArray(elementType: .uint, elements: [.uint(1), .uint(2)])))
        )
        try expectValueFixture(
            "e0 0a 02 70 00 00 00 01 00 00 01 2c",
            .array(try #require(AMQPArray(elementType: .uint, elements: [.uint(1), .uint(300)])))
        )
        try expectValueFixture(
            "e0 04 02 56 01 00",
            .array(try #require(AMQPArray(elementType: .boolean, elements: [.boolean(true), .boolean(false)])))
        )
        try expectValueFixture(
            "e0 02 03 40",
            .array(try #require(AMQPArray(elementType: .null, elements: [.null, .null, .null])))
        )
        try expectValueFixture(
            "f0 00 00 01 05 00 00 01 00 50" + String(repeating: " 00", count: 256),
            .array(try #require(AMQPArray(elementType: .ubyte, elements: Array(repeating: .ubyte(0), count: 256))))
        )
    }

    @Test("1.6.24 arrays of compound elements use the 32-bit forms")
    func arrayOfCompounds() throws {
        try expectValueFixture(
            "e0 13 02 d0 00 00 00 05 00 00 00 01 41 00 00 00 04 00 00 00 00",
            .array(try #require(AMQPArray(elementType: .list, elements: [.list([.boolean(true)]), .list([])])))
        )
        let inner1 = try #require(AMQPArray(elementType: .ubyte, elements: [.ubyte(1)]))
        let inner2 = try #require(AMQPArray(elementType: .ubyte, elements: [.ubyte(2), .ubyte(3)]))
        try expectValueFixture(
            "e0 17 02 f0 00 00 00 06 00 00 00 01 50 01 00 00 00 07 00 00 00 02 50 02 03",
            .array(try #require(AMQPArray(elementType: .array, elements: [.array(inner1), .array(inner2)])))
        )
    }

    @Test("1.2 described types, and arrays of described elements")
    func described() throws {
        try expectValueFixture(
            "00 a3 03" + ascii("foo") + "52 05",
            .described(descriptor: .symbol("foo"), value: .uint(5))
        )
        try expectValueFixture("00 53 24 45", .described(descriptor: .ulong(0x24), value: .list([])))
        try expectValueFixture(
            "e0 07 02 00 53 10 53 01 02",
            .array(
                try #require(
                    AMQPArray(elementType: .ulong, descriptor: .ulong(0x10), elements: [.ulong(1), .ulong(2)])
                )
            )
        )
        #expect(AMQPValue.described(descriptor: .symbol("amqp:accepted:list"), value: .list([])).descriptorCode == 0x24)
    }

    @Test("Wider encodings than necessary decode to the same values")
    func nonMinimalEncodingsDecode() throws {
        let cases: [(String, AMQPValue)] = [
            ("56 01", .boolean(true)),
            ("56 00", .boolean(false)),
            ("70 00 00 00 05", .uint(5)),
            ("80 00 00 00 00 00 00 00 05", .ulong(5)),
            ("71 ff ff ff fe", .int(-2)),
            ("81 ff ff ff ff ff ff ff fe", .long(-2)),
            ("b1 00 00 00 02 68 69", .string("hi")),
            ("b3 00 00 00 01 78", .symbol("x")),
            ("b0 00 00 00 01 07", .binary(ByteBuffer(bytes: [7]))),
            ("c0 01 00", .list([])),
            ("d0 00 00 00 04 00 00 00 00", .list([])),
            ("d1 00 00 00 04 00 00 00 00", .map(AMQPMap())),
            ("f0 00 00 00 05 00 00 00 00 a3", .array(AMQPArray(symbols: []))),
            ("e0 02 02 43", .array(try #require(AMQPArray(elementType: .uint, elements: [.uint(0), .uint(0)])))),
        ]
        for (hex, expected) in cases {
            var buffer = ByteBuffer(hex: hex)
            #expect(try AMQPValue(decoding: &buffer) == expected, "\(hex)")
            #expect(buffer.readableBytes == 0, "\(hex)")
        }
    }

    @Test("An array rejects elements of another type")
    func arrayTypeCheck() {
        #expect(AMQPArray(elementType: .uint, elements: [.uint(1), .string("x")]) == nil)
        #expect(AMQPArray(elementType: .symbol, elements: [.described(descriptor: .null, value: .null)]) == nil)
    }
}
