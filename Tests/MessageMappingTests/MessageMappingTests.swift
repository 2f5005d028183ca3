import AMQPCodec
import BrokerStore
import MQTTCodec
import MessageMapping
import NIOCore
import Testing

@Suite struct MessageMappingTests {
    private func stored(_ body: ByteBuffer, origin: MessageOrigin, expiration: Int64? = nil) -> StoredMessage {
        StoredMessage(id: MessageID(42), address: "sensors/t1", priority: 4, isDurable: true, expiration: expiration, creationTime: 1_000, origin: origin, body: body)
    }

    @Test func mqttToAMQPMapsEveryProperty() throws {
        let body = MQTTStoredBody(
            payload: ByteBuffer(bytes: [1, 2, 3]),
            qos: .atLeastOnce,
            contentType: "application/octet-stream",
            responseTopic: "replies/t1",
            correlationData: ByteBuffer(string: "req-1"),
            userProperties: [MQTTUserProperty(name: "site", value: "north"), MQTTUserProperty(name: "site", value: "ignored")]
        )
        let encoded = MessageMapping.amqpMessage(fromMQTT: self.stored(body.encoded(), origin: .mqtt, expiration: 61_000), deliveryCount: 2)
        let message = try AMQPEncodedMessage(parsing: encoded)
        #expect(message.header?.durable == true)
        #expect(message.header?.deliveryCount == 2)
        #expect(message.header?.ttl == 60_000)
        #expect(message.properties?.contentType == "application/octet-stream")
        #expect(message.properties?.replyTo == "replies/t1")
        #expect(message.properties?.correlationID == .binary(ByteBuffer(string: "req-1")))
        #expect(message.properties?.absoluteExpiryTime == 61_000)
        #expect(message.properties?.to == "sensors/t1")
        #expect(message.properties?.messageID == .ulong(42))
        let applicationProperties = try message.decodeApplicationProperties()
        #expect(applicationProperties?.count == 1)
        #expect(applicationProperties?[string: "site"] == .string("north"))
        #expect(try message.decodeBody() == .data([ByteBuffer(bytes: [1, 2, 3])]))
    }

    @Test func utf8PayloadBecomesAnAMQPString() throws {
        let body = MQTTStoredBody(payload: ByteBuffer(string: "21.5 °C"), payloadFormatIndicator: .utf8)
        let message = try AMQPEncodedMessage(parsing: MessageMapping.amqpMessage(fromMQTT: self.stored(body.encoded(), origin: .mqtt)))
        #expect(try message.decodeBody() == .value(.string("21.5 °C")))
        #expect(message.properties?.contentType == MessageMapping.textContentType)
    }

    @Test func amqpToMQTTMapsEveryProperty() throws {
        var bare = ByteBuffer()
        AMQPBareMessage(
            properties: AMQPProperties(replyTo: "replies/x", correlationID: .string("corr-9"), contentType: "text/plain"),
            applicationProperties: [.string("unit"): .string("C"), .string("count"): .int(3), .string("ok"): .boolean(true)],
            body: .value(.string("hello"))
        ).encode(into: &bare)
        let body = MessageMapping.mqttBody(for: self.stored(bare, origin: .amqp))
        #expect(String(buffer: body.payload) == "hello")
        #expect(body.payloadFormatIndicator == .utf8)
        #expect(body.contentType == "text/plain")
        #expect(body.responseTopic == "replies/x")
        #expect(body.correlationData == ByteBuffer(string: "corr-9"))
        #expect(body.userProperties == [
            MQTTUserProperty(name: "unit", value: "C"), MQTTUserProperty(name: "count", value: "3"), MQTTUserProperty(name: "ok", value: "true"),
        ])
        #expect(body.qos == .atLeastOnce)
    }

    @Test func amqpDataSectionsAndBinaryValuesBecomeThePayload() {
        var data = ByteBuffer()
        AMQPBareMessage(body: .data([ByteBuffer(string: "ab"), ByteBuffer(string: "cd")])).encode(into: &data)
        #expect(String(buffer: MessageMapping.mqttBody(for: self.stored(data, origin: .amqp)).payload) == "abcd")
        var binary = ByteBuffer()
        AMQPBareMessage(properties: AMQPProperties(correlationID: .binary(ByteBuffer(bytes: [7]))), body: .value(.binary(ByteBuffer(bytes: [0xFF, 0])))).encode(into: &binary)
        let body = MessageMapping.mqttBody(for: self.stored(binary, origin: .amqp))
        #expect(Array(body.payload.readableBytesView) == [0xFF, 0])
        #expect(body.payloadFormatIndicator == nil)
        #expect(body.correlationData == ByteBuffer(bytes: [7]))
    }

    @Test func roundTripMQTTThroughAMQPKeepsTheMappedFields() {
        let original = MQTTStoredBody(
            payload: ByteBuffer(string: "x"),
            qos: .atLeastOnce,
            contentType: "application/json",
            responseTopic: "r",
            correlationData: ByteBuffer(bytes: [1]),
            userProperties: [MQTTUserProperty(name: "k", value: "v")]
        )
        let amqp = MessageMapping.amqpMessage(fromMQTT: self.stored(original.encoded(), origin: .mqtt))
        let back = MessageMapping.mqttBody(for: self.stored(amqp, origin: .amqp))
        #expect(back.payload == original.payload)
        #expect(back.contentType == original.contentType)
        #expect(back.responseTopic == original.responseTopic)
        #expect(back.correlationData == original.correlationData)
        #expect(back.userProperties == original.userProperties)
    }

    @Test func garbageAMQPIsAnOpaquePayload() {
        let body = MessageMapping.mqttBody(for: self.stored(ByteBuffer(bytes: [0xDE, 0xAD]), origin: .amqp))
        #expect(Array(body.payload.readableBytesView) == [0xDE, 0xAD])
    }
}
