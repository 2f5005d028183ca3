import MQTTCodec
import NIOCore
import Testing

extension MalformedFixture {
    static let strings: [MalformedFixture] = [
        // MQTT 5.0 section 1.5.4 and RFC 3629: ill-formed UTF-8.
        MalformedFixture(
            "lone continuation byte", .v3_1_1, hex: "30 04 00 02 80 61",
            .invalidUTF8, .malformedPacket, field: "Topic Name"
        ),
        MalformedFixture(
            "lead byte without continuation", .v3_1_1, hex: "30 04 00 02 c3 28",
            .invalidUTF8, .malformedPacket, field: "Topic Name"
        ),
        MalformedFixture(
            "sequence cut by the string end", .v3_1_1, hex: "30 05 00 02 e2 82 61",
            .invalidUTF8, .malformedPacket, field: "Topic Name"
        ),
        // MQTT-1.5.4-1: surrogates U+D800-U+DFFF are not allowed.
        MalformedFixture(
            "surrogate U+D800", .v3_1_1, hex: "30 05 00 03 ed a0 80",
            .invalidUTF8, .malformedPacket, field: "Topic Name"
        ),
        MalformedFixture(
            "overlong encoding", .v3_1_1, hex: "30 04 00 02 c1 81",
            .invalidUTF8, .malformedPacket, field: "Topic Name"
        ),
        MalformedFixture(
            "above U+10FFFF", .v3_1_1, hex: "30 06 00 04 f4 90 80 80",
            .invalidUTF8, .malformedPacket, field: "Topic Name"
        ),
        MalformedFixture("byte 0xFF", .v3_1_1, hex: "30 03 00 01 ff", .invalidUTF8, .malformedPacket, field: "Topic Name"),
        // MQTT-1.5.4-2: U+0000 is not allowed.
        MalformedFixture(
            "U+0000 in a topic", .v3_1_1, hex: "30 05 00 03 61 00 62",
            .nullCharacterInString, .malformedPacket, field: "Topic Name"
        ),
        MalformedFixture(
            "U+0000 in a client identifier", nil, hex: "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 00",
            .nullCharacterInString, .malformedPacket, field: "Client Identifier"
        ),
        MalformedFixture(
            "invalid UTF-8 in a user property", .v5, hex: "30 0a 00 01 74 06 26 00 01 ff 00 00",
            .invalidUTF8, .malformedPacket, field: "User Property name"
        ),
        // MQTT-3.3.2-2: no wildcards in a Topic Name; reason 0x90.
        MalformedFixture(
            "+ in a PUBLISH topic", .v3_1_1, hex: "30 05 00 03 61 2f 2b",
            .topicNameInvalid, .topicNameInvalid, field: "Topic Name"
        ),
        MalformedFixture(
            "# in a PUBLISH topic", .v5, hex: "30 04 00 01 23 00",
            .topicNameInvalid, .topicNameInvalid, field: "Topic Name"
        ),
        // MQTT-4.7.3-1: a Topic Name has at least one character.
        MalformedFixture("empty 3.1.1 topic", .v3_1_1, hex: "30 02 00 00", .topicNameInvalid, .topicNameInvalid, field: "Topic Name"),
        // MQTT 5.0 section 3.3.2.3.4: empty Topic Name only with a Topic Alias.
        MalformedFixture(
            "empty 5.0 topic without alias", .v5, hex: "30 03 00 00 00",
            .topicNameInvalid, .topicNameInvalid, field: "Topic Name"
        ),
    ]
}

@Suite struct StringErrorTests {
    @Test(arguments: MalformedFixture.strings)
    func rejects(_ fixture: MalformedFixture) {
        fixture.verify()
    }

    @Test func acceptsEveryUTF8LengthAndTheLargestCodePoint() throws {
        // "a", "é" (2 bytes), "€" (3 bytes), U+10FFFF (4 bytes, f4 8f bf bf), U+FFFF (ef bf bf).
        let topic = "aé€\u{10FFFF}\u{FFFF}"
        var encoded = ByteBuffer()
        try MQTTPublishPacket(topicName: topic, payload: ByteBuffer()).encode(into: &encoded, version: .v3_1_1)
        #expect(encoded == ByteBuffer(hex: "30 0f 00 0d 61 c3 a9 e2 82 ac f4 8f bf bf ef bf bf"))
        var decoder = MQTTPacketDecoder(protocolVersion: .v3_1_1)
        guard case .publish(let publish) = try decoder.decodePacket(from: &encoded) else {
            Issue.record("not a PUBLISH")
            return
        }
        #expect(publish.topicName == topic)
    }
}

/// The validator reads eight ASCII bytes at a time; these put each rule at every position of a word.
@Suite struct UTF8ValidatorWordTests {
    @Test(arguments: 0..<17)
    func findsNullWildcardAndInvalidByteAtEveryOffset(_ offset: Int) throws {
        for (byte, code) in [(UInt8(0x00), MQTTDecodingError.Code.nullCharacterInString), (0xFF, .invalidUTF8)] {
            var topic = [UInt8](repeating: 0x61, count: 17)
            topic[offset] = byte
            var input = ByteBuffer(bytes: [0x30, 19, 0, 17] + topic)
            var decoder = MQTTPacketDecoder(protocolVersion: .v3_1_1)
            let error = #expect(throws: MQTTDecodingError.self) { try decoder.decodePacket(from: &input) }
            #expect(error?.code == code, "byte \(byte) at \(offset)")
        }
        for wildcard in [UInt8(ascii: "+"), UInt8(ascii: "#")] {
            var topic = [UInt8](repeating: 0x61, count: 17)
            topic[offset] = wildcard
            var input = ByteBuffer(bytes: [0x30, 19, 0, 17] + topic)
            var decoder = MQTTPacketDecoder(protocolVersion: .v3_1_1)
            let error = #expect(throws: MQTTDecodingError.self) { try decoder.decodePacket(from: &input) }
            #expect(error?.code == .topicNameInvalid, "wildcard at \(offset)")
        }
    }
}
