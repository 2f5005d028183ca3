import MQTTCodec
import NIOCore
import Testing

extension GoldenFixture {
    static let publish: [GoldenFixture] = [
        // MQTT 3.1.1 section 3.3: QoS 0, topic "a/b", payload "hello", no packet identifier.
        GoldenFixture(
            "3.1.1 3.3", .v3_1_1,
            hex: "30 0a 00 03 61 2f 62 68 65 6c 6c 6f",
            .publish(MQTTPublishPacket(topicName: "a/b", payload: "hello".buffer))
        ),
        // MQTT 3.1.1 section 3.3.1: flags 0xB = DUP, QoS 1, RETAIN; packet identifier 10.
        GoldenFixture(
            "3.1.1 3.3.1", .v3_1_1,
            hex: "3b 08 00 03 61 2f 62 00 0a 78",
            .publish(
                MQTTPublishPacket(
                    topicName: "a/b",
                    payload: "x".buffer,
                    qos: .atLeastOnce,
                    retain: true,
                    duplicate: true,
                    packetIdentifier: 10
                )
            )
        ),
        // MQTT 5.0 section 3.3.2.3: QoS 2 with every PUBLISH property, two Subscription Identifiers (5, 128).
        GoldenFixture(
            "5.0 3.3.2.3", .v5,
            hex: "34 2d 00 01 74 12 34 26 01 01 02 00 00 00 3c 03 00 04 74 65 78 74 08 00 01 72 09 00 02 01 02 0b 05 0b 80 01 23 00 02 26 00 01 6b 00 01 76 70",
            .publish(
                MQTTPublishPacket(
                    topicName: "t",
                    payload: "p".buffer,
                    qos: .exactlyOnce,
                    packetIdentifier: 0x1234,
                    properties: MQTTProperties(
                        payloadFormatIndicator: .utf8,
                        messageExpiryInterval: 60,
                        contentType: "text",
                        responseTopic: "r",
                        correlationData: ByteBuffer(bytes: [1, 2]),
                        subscriptionIdentifiers: [5, 128],
                        topicAlias: 2,
                        userProperties: [MQTTUserProperty(name: "k", value: "v")]
                    )
                )
            )
        ),
        // MQTT 5.0 section 3.3.2: QoS 0, empty property list, empty payload.
        GoldenFixture(
            "5.0 3.3.2", .v5,
            hex: "30 04 00 01 74 00",
            .publish(MQTTPublishPacket(topicName: "t", payload: ByteBuffer()))
        ),
        // MQTT 5.0 section 3.3.2.3.4: empty Topic Name with Topic Alias 1.
        GoldenFixture(
            "5.0 3.3.2.3.4", .v5,
            hex: "30 06 00 00 03 23 00 01",
            .publish(
                MQTTPublishPacket(topicName: "", payload: ByteBuffer(), properties: MQTTProperties(topicAlias: 1))
            )
        ),
    ]
}

@Suite struct PublishTests {
    @Test(arguments: GoldenFixture.publish)
    func golden(_ fixture: GoldenFixture) throws {
        try fixture.verify()
    }

    @Test func payloadIsASliceOfTheInputNotACopy() throws {
        var input = GoldenFixture.publish[0].bytes
        let inputStart = input.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        var decoder = MQTTPacketDecoder(protocolVersion: .v3_1_1)
        guard case .publish(let publish) = try decoder.decodePacket(from: &input) else {
            Issue.record("not a PUBLISH")
            return
        }
        let payloadStart = publish.payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(payloadStart == inputStart + 7)
    }

    @Test func qosAboveZeroWithoutPacketIdentifierDoesNotEncode() {
        let packet = MQTTPublishPacket(topicName: "t", payload: ByteBuffer(), qos: .atLeastOnce)
        var buffer = ByteBuffer()
        #expect(throws: MQTTEncodingError(code: .missingPacketIdentifier, packetType: .publish, field: "Packet Identifier")) {
            try packet.encode(into: &buffer, version: .v5)
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test func validatesUTF8PayloadOnlyWhenAskedTo() throws {
        // Payload Format Indicator 1 with payload 0xFF, which is not UTF-8.
        let hex = "30 07 00 01 74 02 01 01 ff"
        var lenient = MQTTPacketDecoder(protocolVersion: .v5)
        var input = ByteBuffer(hex: hex)
        #expect(try lenient.decodePacket(from: &input) != nil)

        var strict = MQTTPacketDecoder(protocolVersion: .v5, validatesPayloadFormat: true)
        input = ByteBuffer(hex: hex)
        let error = #expect(throws: MQTTDecodingError.self) { try strict.decodePacket(from: &input) }
        #expect(error?.code == .payloadFormatInvalid)
        #expect(error?.reasonCode == .payloadFormatInvalid)
    }

    @Test func stringLongerThan65535BytesDoesNotEncode() {
        let packet = MQTTPublishPacket(topicName: String(repeating: "a", count: 65_536), payload: ByteBuffer())
        var buffer = ByteBuffer()
        #expect(throws: MQTTEncodingError(code: .valueTooLong, packetType: .publish, field: "Topic Name")) {
            try packet.encode(into: &buffer, version: .v3_1_1)
        }
    }

    @Test func largePayloadUsesAFourByteRemainingLength() throws {
        let payload = ByteBuffer(repeating: 0x41, count: 2_097_152)
        let packet = MQTTPacket.publish(MQTTPublishPacket(topicName: "t", payload: payload))
        var encoded = ByteBuffer()
        try packet.encode(into: &encoded, version: .v3_1_1)
        // Remaining Length 2,097,155 = 0x83 0x80 0x80 0x01 (MQTT 5.0 section 1.5.5).
        #expect(encoded.getBytes(at: 0, length: 5) == [0x30, 0x83, 0x80, 0x80, 0x01])
        var decoder = MQTTPacketDecoder(protocolVersion: .v3_1_1)
        #expect(try decoder.decodePacket(from: &encoded) == packet)
    }
}
