import AMQPCodec
import BrokerStore
import MQTTCodec
import MessageMapping
import MessageSelector
import NIOCore
import Testing

@Suite struct SelectorMessageViewTests {
    private func amqpMessage(
        properties: AMQPProperties? = nil,
        applicationProperties: AMQPMap? = nil,
        annotations: AMQPMap? = nil,
        priority: UInt8 = 4,
        durable: Bool = true
    ) throws -> StoredMessage {
        var bare = ByteBuffer()
        AMQPBareMessage(properties: properties, applicationProperties: applicationProperties, body: .data([ByteBuffer(string: "x")]))
            .encode(into: &bare)
        var body = ByteBuffer()
        try AMQPEncodedMessage(header: AMQPHeader(durable: durable, priority: priority), messageAnnotations: annotations, bareMessage: bare)
            .encode(into: &body)
        return StoredMessage(id: MessageID(7), address: "q", priority: priority, isDurable: durable, expiration: 9_000, creationTime: 1_000, origin: .amqp, body: body)
    }

    private func selects(_ text: String, _ message: StoredMessage) throws -> Bool {
        try MessageSelector(text).matches(SelectorMessageView(message))
    }

    @Test func applicationPropertiesOfEveryComparableType() throws {
        let message = try self.amqpMessage(applicationProperties: [
            .string("color"): .string("red"),
            .string("weight"): .double(2.5),
            .string("count"): .uint(3),
            .string("small"): .byte(-2),
            .string("urgent"): .boolean(true),
            .string("blob"): .binary(ByteBuffer(string: "b")),
        ])
        #expect(try self.selects("color = 'red' AND weight > 2 AND count BETWEEN 1 AND 5 AND small < 0 AND urgent", message))
        #expect(try !self.selects("color = 'blue'", message))
        // A binary property is not comparable: it reads as absent (NULL).
        #expect(try self.selects("blob IS NULL", message))
        #expect(try self.selects("missing IS NULL", message))
    }

    @Test func jmsHeaderIdentifiersReadTheAMQPHeaderAndProperties() throws {
        let properties = AMQPProperties(
            messageID: .string("ID:abc"),
            subject: "order",
            correlationID: .string("corr-1"),
            absoluteExpiryTime: 5_000,
            creationTime: 2_000
        )
        let message = try self.amqpMessage(properties: properties, priority: 7, durable: false)
        #expect(try self.selects("JMSPriority = 7", message))
        #expect(try self.selects("JMSDeliveryMode = 'NON_PERSISTENT'", message))
        #expect(try self.selects("JMSMessageID = 'ID:abc'", message))
        #expect(try self.selects("JMSCorrelationID = 'corr-1'", message))
        #expect(try self.selects("JMSType = 'order'", message))
        #expect(try self.selects("JMSTimestamp = 2000 AND JMSExpiration = 5000", message))
    }

    @Test func nonStringMessageIDsGetQpidJMSPrefixes() throws {
        let numeric = try self.amqpMessage(properties: AMQPProperties(messageID: .ulong(12)))
        #expect(try self.selects("JMSMessageID = 'ID:AMQP_ULONG:12'", numeric))
        let bare = try self.amqpMessage(properties: AMQPProperties(messageID: .string("plain")))
        #expect(try self.selects("JMSMessageID = 'ID:AMQP_NO_PREFIX:plain'", bare))
        let uuid = try self.amqpMessage(properties: AMQPProperties(messageID: .uuid(AMQPUUID(high: 0x0011_2233_4455_6677, low: 0x8899_AABB_CCDD_EEFF))))
        #expect(try self.selects("JMSMessageID = 'ID:AMQP_UUID:00112233-4455-6677-8899-aabbccddeeff'", uuid))
    }

    @Test func jmsTypeFallsBackToTheQpidJMSAnnotation() throws {
        let message = try self.amqpMessage(annotations: [.symbol("x-opt-jms-type"): .string("invoice")])
        #expect(try self.selects("JMSType = 'invoice'", message))
    }

    @Test func withoutAMQPPropertiesTheBrokerHeaderAnswers() throws {
        let message = try self.amqpMessage()
        #expect(try self.selects("JMSTimestamp = 1000 AND JMSExpiration = 9000 AND JMSDeliveryMode = 'PERSISTENT'", message))
        #expect(try self.selects("JMSMessageID IS NULL", message))
    }

    @Test func mqttUserPropertiesAreStringProperties() throws {
        let body = MQTTStoredBody(
            payload: ByteBuffer(string: "21.5"),
            qos: .atLeastOnce,
            correlationData: ByteBuffer(string: "req-9"),
            userProperties: [MQTTUserProperty(name: "site", value: "north"), MQTTUserProperty(name: "site", value: "south")]
        )
        var encoded = ByteBuffer()
        body.encode(into: &encoded)
        let message = StoredMessage(id: MessageID(3), address: "t", priority: 2, creationTime: 1, origin: .mqtt, body: encoded)
        #expect(try self.selects("site = 'north' AND JMSPriority = 2 AND JMSCorrelationID = 'req-9'", message))
        #expect(try !self.selects("site = 'south'", message))
    }

    @Test func aBodyThatDoesNotParseHasNoProperties() throws {
        let message = StoredMessage(id: MessageID(1), address: "q", creationTime: 1, origin: .amqp, body: ByteBuffer(bytes: [0xFF, 0x00]))
        #expect(try self.selects("color IS NULL AND JMSPriority = 4", message))
    }
}
