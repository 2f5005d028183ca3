import MQTTCodec
import MessageMapping
import NIOCore
import Testing

@Suite struct MQTTStoredBodyTests {
    @Test func minimalBodyLayoutIsFiveBytesThenPayload() throws {
        let body = MQTTStoredBody(payload: ByteBuffer(string: "21.5"), qos: .atLeastOnce)
        let encoded = body.encoded()
        // version 1, flags: QoS 1 << 1, flags2 0, no user properties, payload.
        #expect(Array(encoded.readableBytesView) == [0x01, 0x02, 0x00, 0x00, 0x00] + Array("21.5".utf8))
        #expect(try MQTTStoredBody(decoding: encoded) == body)
    }

    @Test func everyFieldRoundTrips() throws {
        let body = MQTTStoredBody(
            payload: ByteBuffer(bytes: [0, 1, 2, 255]),
            retain: true,
            qos: .exactlyOnce,
            payloadFormatIndicator: .utf8,
            contentType: "application/json",
            responseTopic: "replies/1",
            correlationData: ByteBuffer(bytes: [9, 8, 7]),
            userProperties: [MQTTUserProperty(name: "a", value: "1"), MQTTUserProperty(name: "a", value: "2")],
            publisherClientID: "sensor-7"
        )
        let encoded = body.encoded()
        #expect(encoded.getInteger(at: 0, as: UInt8.self) == MQTTStoredBody.layoutVersion)
        #expect(try MQTTStoredBody(decoding: encoded) == body)
        #expect(body.properties.contentType == "application/json")
        #expect(body.properties.userProperties.count == 2)
    }

    @Test func thePublisherCanBeSteppedOverWithoutDecodingIt() throws {
        var body = MQTTStoredBody(
            payload: ByteBuffer(string: "21.5"),
            qos: .atLeastOnce,
            contentType: "text/plain",
            userProperties: [MQTTUserProperty(name: "unit", value: "C")],
            publisherClientID: "sensor-7"
        )
        let decoded = try MQTTStoredBody(decoding: body.encoded(), readingPublisher: false)
        body.publisherClientID = nil
        #expect(decoded == body)
        #expect(decoded.payload == ByteBuffer(string: "21.5"))
        // A publisher id cut short is still refused. Layout: version, flags, flags2 (publisher), 0 properties, length 8, "sen".
        let truncated = ByteBuffer(bytes: [0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08] + Array("sen".utf8))
        #expect(throws: MQTTStoredBody.DecodingError.self) { try MQTTStoredBody(decoding: truncated, readingPublisher: false) }
        #expect(throws: MQTTStoredBody.DecodingError.self) { try MQTTStoredBody(decoding: truncated) }
    }

    @Test func truncatedOrUnknownBodiesAreRejected() {
        #expect(throws: MQTTStoredBody.DecodingError.self) { try MQTTStoredBody(decoding: ByteBuffer(bytes: [0x02, 0, 0, 0, 0])) }
        #expect(throws: MQTTStoredBody.DecodingError.self) { try MQTTStoredBody(decoding: ByteBuffer(bytes: [0x01, 0x20, 0, 0, 0, 0, 9])) }
        #expect(throws: MQTTStoredBody.DecodingError.self) { try MQTTStoredBody(decoding: ByteBuffer(bytes: [0x01, 0x06, 0, 0, 0])) }
    }
}
