import NIOCore
import Testing

@testable import AMQPCodec

/// Message sections (part 3.2): golden fixtures for each section, the split into transport sections and
/// the immutable bare message, and re-assembly that keeps the bare bytes untouched.
@Suite("Message sections (part 3.2)")
struct MessageSectionTests {
    // 3.2.1 header: durable, priority 9, ttl 60000.
    static let header = "00 53 70 c0 09 03 41 50 09 70 00 00 ea 60"
    // 3.2.2 delivery-annotations {x-opt-d: "v"}.
    static let deliveryAnnotations = "00 53 71 c1 0d 02 a3 07" + ascii("x-opt-d") + "a1 01 76"
    // 3.2.3 message-annotations {x-opt-m: 1ul}.
    static let messageAnnotations = "00 53 72 c1 0c 02 a3 07" + ascii("x-opt-m") + "53 01"
    // 3.2.4 properties: message-id "id1", to "q", absolute-expiry-time 1700000000000.
    static let properties = "00 53 73 c0 18 09 a1 03 69 64 31 40 a1 01 71 40 40 40 40 40 83 00 00 01 8b cf e5 68 00"
    // 3.2.5 application-properties {"k": 1}.
    static let applicationProperties = "00 53 74 c1 06 02 a1 01 6b 54 01"
    // 3.2.6 data "hello".
    static let data = "00 53 75 a0 05" + ascii("hello")
    // 3.2.9 footer {x-f: null}.
    static let footer = "00 53 78 c1 07 02 a3 03" + ascii("x-f") + "40"

    static var fullMessage: String {
        [header, deliveryAnnotations, messageAnnotations, properties, applicationProperties, data, footer].joined(
            separator: " "
        )
    }

    @Test("Each section decodes to its fields and re-encodes to the same bytes")
    func fullMessage() throws {
        let message = try AMQPEncodedMessage(parsing: ByteBuffer(hex: Self.fullMessage))
        #expect(message.header == AMQPHeader(durable: true, priority: 9, ttl: 60000))
        #expect(message.deliveryAnnotations == [.symbol("x-opt-d"): .string("v")])
        #expect(message.messageAnnotations == [.symbol("x-opt-m"): .ulong(1)])
        #expect(
            message.properties
                == AMQPProperties(messageID: .string("id1"), to: "q", absoluteExpiryTime: 1_700_000_000_000)
        )
        #expect(try message.decodeApplicationProperties() == [.string("k"): .int(1)])
        #expect(try message.decodeBody() == .data([ByteBuffer(string: "hello")]))
        #expect(message.footer == [.symbol("x-f"): .null])
        #expect(
            message.bareMessage.hexString
                == ByteBuffer(hex: Self.properties + Self.applicationProperties + Self.data).hexString
        )
        var encoded = ByteBuffer()
        message.encode(into: &encoded)
        #expect(encoded.hexString == ByteBuffer(hex: Self.fullMessage).hexString)
    }

    @Test("Changing the header re-assembles the message around the original bare bytes")
    func reassembleWithNewHeader() throws {
        // A bare message in non-minimal encodings (list32, vbin32) that a re-encode would change.
        let bare = "00 53 73 d0 00 00 00 08 00 00 00 01 a1 02 69 64  00 53 75 b0 00 00 00 01 07"
        var message = try AMQPEncodedMessage(parsing: ByteBuffer(hex: Self.header + bare))
        message.header?.deliveryCount = 1
        message.messageAnnotations = [.symbol("x-opt-seq"): .long(7)]
        var encoded = ByteBuffer()
        message.encode(into: &encoded)
        let expected =
            "00 53 70 c0 0c 05 41 50 09 70 00 00 ea 60 40 52 01"  // header with delivery-count 1
            + "00 53 72 c1 0e 02 a3 09" + ascii("x-opt-seq") + "55 07" + bare
        #expect(encoded.hexString == ByteBuffer(hex: expected).hexString)
        #expect(message.properties?.messageID == .string("id"))
        #expect(try message.decodeBody() == .data([ByteBuffer(bytes: [7])]))
    }

    @Test("Building from a stored bare message, and rejecting non-bare sections in it")
    func fromStoredBareMessage() throws {
        let stored = ByteBuffer(hex: Self.properties + Self.data)
        let message = try AMQPEncodedMessage(header: AMQPHeader(durable: true), bareMessage: stored)
        var encoded = ByteBuffer()
        message.encode(into: &encoded)
        #expect(encoded.hexString == ByteBuffer(hex: "00 53 70 c0 02 01 41" + Self.properties + Self.data).hexString)
        #expect(message.properties?.to == "q")
        #expect(throws: AMQPDecodingError.self) {
            try AMQPEncodedMessage(bareMessage: ByteBuffer(hex: Self.header + Self.data))
        }
    }

    @Test("3.2.7 amqp-sequence, 3.2.8 amqp-value, and the bare message builder")
    func bareMessageBuilder() throws {
        let value = AMQPBareMessage(
            properties: AMQPProperties(messageID: .ulong(1), contentType: "text/plain"),
            applicationProperties: [.string("k"): .boolean(true)],
            body: .value(.string("hi"))
        )
        var encoded = ByteBuffer()
        value.encode(into: &encoded)
        let expectedValue =
            "00 53 73 c0 14 07 53 01 40 40 40 40 40 a3 0a" + ascii("text/plain")
            + "00 53 74 c1 05 02 a1 01 6b 41"
            + "00 53 77 a1 02 68 69"
        #expect(encoded.hexString == ByteBuffer(hex: expectedValue).hexString)
        let parsed = try AMQPEncodedMessage(parsing: encoded)
        #expect(parsed.properties == value.properties)
        #expect(try parsed.decodeApplicationProperties() == value.applicationProperties)
        #expect(try parsed.decodeBody() == value.body)

        let sequence = AMQPBareMessage(body: .sequence([[.uint(1)], [.boolean(false)]]))
        encoded.clear()
        sequence.encode(into: &encoded)
        #expect(encoded.hexString == ByteBuffer(hex: "00 53 76 c0 03 01 52 01 00 53 76 c0 02 01 42").hexString)
        #expect(try AMQPEncodedMessage(parsing: encoded).decodeBody() == sequence.body)
    }

    @Test("Symbolic section descriptors, empty messages, messages without a bare part")
    func edgeCases() throws {
        let symbolic = try AMQPEncodedMessage(
            parsing: ByteBuffer(hex: "00 a3 10" + ascii("amqp:data:binary") + "a0 01 07")
        )
        #expect(try symbolic.decodeBody() == .data([ByteBuffer(bytes: [7])]))
        let empty = try AMQPEncodedMessage(parsing: ByteBuffer())
        #expect(empty.bareMessage.readableBytes == 0)
        #expect(try empty.decodeBody() == .data([]))
        #expect(try empty.decodeApplicationProperties() == nil)
        let headerOnly = try AMQPEncodedMessage(parsing: ByteBuffer(hex: Self.header + Self.footer))
        #expect(headerOnly.bareMessage.readableBytes == 0)
        #expect(headerOnly.footer != nil)
        // Properties and a footer but no body: the bare message is exactly the properties.
        let noBody = try AMQPEncodedMessage(parsing: ByteBuffer(hex: Self.properties + Self.footer))
        #expect(noBody.bareMessage.hexString == ByteBuffer(hex: Self.properties).hexString)
        #expect(try noBody.decodeBody() == .data([]))
        let defaults = try AMQPEncodedMessage(parsing: ByteBuffer(hex: "00 53 70 45"))
        #expect(defaults.header == AMQPHeader())
        #expect(defaults.header?.priority == 4)
    }

    @Test("Malformed messages")
    func malformed() {
        let cases: [(String, AMQPDecodingError.Code)] = [
            (Self.properties + Self.header, .sectionOutOfOrder),
            (Self.header + Self.header, .sectionOutOfOrder),
            (Self.data + Self.applicationProperties, .sectionOutOfOrder),
            (Self.data + "00 53 77 40", .sectionOutOfOrder),  // data then amqp-value: mixed body
            ("00 53 77 40 00 53 77 40", .sectionOutOfOrder),  // two amqp-value sections
            (Self.footer + Self.data, .sectionOutOfOrder),
            ("00 53 79 40", .unexpectedDescriptor),
            ("00 53 10 45", .unexpectedDescriptor),  // a performative is not a section
            ("00 53 74 a1 01 78", .unexpectedFormatCode),  // application-properties must be a map
            ("00 53 75 a1 01 78", .unexpectedFormatCode),  // data must be binary
            ("00 53 76 a0 00", .unexpectedFormatCode),  // amqp-sequence must be a list
            ("00 53 72 52 01", .unexpectedFormatCode),  // message-annotations must be a map
            ("00 53 75 a0 05 01", .sizeExceedsRemainingBytes),
            ("00 53 75", .truncated),
            ("00 53 73 c0 02 01 52", .truncated),  // properties.message-id cut off
            ("00 53 73 c0 03 02 40 52", .unexpectedFormatCode),  // properties.user-id must be binary
            ("52 01", .unexpectedFormatCode),  // not a described section
        ]
        for (hex, code) in cases {
            do {
                let message = try AMQPEncodedMessage(parsing: ByteBuffer(hex: hex))
                Issue.record("\(hex) parsed as \(message)")
            } catch let error as AMQPDecodingError {
                #expect(error.code == code, "\(hex): \(error)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
