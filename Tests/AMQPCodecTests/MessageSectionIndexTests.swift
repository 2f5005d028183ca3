import NIOCore
import Testing

@testable import AMQPCodec

/// `AMQPMessageSections`: sections found by skipping, single application properties read without
/// decoding the others.
@Suite("Message section index")
struct MessageSectionIndexTests {
    typealias Fixtures = MessageSectionTests

    @Test func findsEverySectionOfAFullMessage() throws {
        let sections = try AMQPMessageSections(indexing: ByteBuffer(hex: Fixtures.fullMessage))
        #expect(try sections.decodeHeader() == AMQPHeader(durable: true, priority: 9, ttl: 60000))
        #expect(try sections.decodeMessageAnnotations() == [.symbol("x-opt-m"): .ulong(1)])
        #expect(try sections.decodeProperties()?.messageID == .string("id1"))
        #expect(try sections.applicationProperty("k") == .int(1))
        #expect(try sections.applicationProperty("kk") == nil)
        #expect(try sections.applicationProperty("") == nil)
    }

    @Test func absentSectionsAreNil() throws {
        let sections = try AMQPMessageSections(indexing: ByteBuffer(hex: Fixtures.data))
        #expect(try sections.decodeHeader() == nil)
        #expect(try sections.decodeProperties() == nil)
        #expect(try sections.applicationProperty("k") == nil)
    }

    @Test func readsOnePropertyAmongManyInAMap32() throws {
        // application-properties as map32 (size 26, count 6): {"a": "x", 7: true (a non-string key,
        // skipped), "colour": "red"}
        let items = "a1 01 61 a1 01 78  54 07 41  a1 06" + ascii("colour") + "a1 03" + ascii("red")
        let hex = "00 53 74 d1 00 00 00 1a 00 00 00 06 " + items + Fixtures.data
        let sections = try AMQPMessageSections(indexing: ByteBuffer(hex: hex))
        #expect(try sections.applicationProperty("colour") == .string("red"))
        #expect(try sections.applicationProperty("a") == .string("x"))
        #expect(try sections.applicationProperty("b") == nil)
    }

    @Test func readsAStringPropertyAsASliceOfItsUTF8() throws {
        // {"a": "x", 7: true, "colour": "red"} as above; "k" maps to the int 1 in the full message.
        let items = "a1 01 61 a1 01 78  54 07 41  a1 06" + ascii("colour") + "a1 03" + ascii("red")
        let hex = "00 53 74 d1 00 00 00 1a 00 00 00 06 " + items + Fixtures.data
        let sections = try AMQPMessageSections(indexing: ByteBuffer(hex: hex))
        #expect(try sections.applicationStringProperty("colour") == ByteBuffer(string: "red"))
        #expect(try sections.applicationStringProperty("a") == ByteBuffer(string: "x"))
        #expect(try sections.applicationStringProperty("b") == nil)
        let full = try AMQPMessageSections(indexing: ByteBuffer(hex: Fixtures.fullMessage))
        #expect(try full.applicationStringProperty("k") == nil)  // an int, not a string
    }

    @Test func aStringPropertyWithInvalidUTF8IsAnError() throws {
        // {"k": "\xff"} (map8, size 7, count 2): 0xff never appears in UTF-8.
        let sections = try AMQPMessageSections(indexing: ByteBuffer(hex: "00 53 74 c1 07 02 a1 01 6b a1 01 ff"))
        #expect(throws: AMQPDecodingError.self) { try sections.applicationStringProperty("k") }
    }

    @Test func aTruncatedSectionIsAnError() {
        let truncated = String(Fixtures.applicationProperties.dropLast(3))
        #expect(throws: AMQPDecodingError.self) { try AMQPMessageSections(indexing: ByteBuffer(hex: truncated)) }
    }

    @Test func applicationPropertiesThatAreNotAMapAreAnError() throws {
        // application-properties holding a string: indexing skips it by size, reading it fails.
        let sections = try AMQPMessageSections(indexing: ByteBuffer(hex: "00 53 74 a1 01 78"))
        #expect(throws: AMQPDecodingError.self) { try sections.applicationProperty("x") }
    }
}
