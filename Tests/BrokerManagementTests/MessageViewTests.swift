import AMQPCodec
import BrokerManagement
import BrokerStore
import Foundation
import MQTTCodec
import MessageMapping
import NIOCore
import Testing

@Suite struct MessageViewTests {
    func stored(_ body: ByteBuffer, origin: MessageOrigin) -> StoredMessage {
        StoredMessage(id: MessageID(7), address: "orders", priority: 5, isDurable: true, expiration: 1_700_000_060_000, creationTime: 1_700_000_000_000, origin: origin, body: body)
    }

    @Test func coreBodiesAreTextOrBase64() {
        let text = MessageView(self.stored(ByteBuffer(string: "21.5 °C"), origin: .core), key: nil, deliveryCount: 2)
        #expect(text.body == "21.5 °C")
        #expect(!text.bodyBase64)
        #expect(text.deliveryCount == 2)
        #expect(text.expiration == 1_700_000_060_000)
        #expect(text.origin == "core")
        let binary = MessageView(self.stored(ByteBuffer(bytes: [0xc3, 0x28]), origin: .core), key: nil, deliveryCount: 0)
        #expect(binary.bodyBase64)
        #expect(Data(base64Encoded: binary.body) == Data([0xc3, 0x28]))
    }

    @Test func amqpMessagesShowPropertiesApplicationPropertiesAndBody() {
        let bare = AMQPBareMessage(
            properties: AMQPProperties(messageID: .string("order-1"), to: "orders", subject: "new", correlationID: .ulong(42), contentType: "application/json"),
            applicationProperties: [.string("plant"): .string("north"), .string("line"): .int(3)],
            body: .data([ByteBuffer(string: #"{"qty":2}"#)])
        )
        var bytes = ByteBuffer()
        bare.encode(into: &bytes)
        let view = MessageView(self.stored(bytes, origin: .amqp), key: EntryKey(queue: QueueID(3), priority: 5, message: MessageID(7)), deliveryCount: 0)
        #expect(view.decodeError == nil)
        #expect(view.body == #"{"qty":2}"#)
        #expect(!view.bodyBase64)
        #expect(view.properties["messageId"] == .string("order-1"))
        #expect(view.properties["subject"] == .string("new"))
        #expect(view.properties["correlationId"] == .int(42))
        #expect(view.properties["contentType"] == .string("application/json"))
        #expect(view.applicationProperties == ["plant": .string("north"), "line": .int(3)])
        #expect(view.key == "3:5:7")
        #expect(EntryKeyText.parse("3:5:7") == EntryKey(queue: QueueID(3), priority: 5, message: MessageID(7)))
        #expect(EntryKeyText.parse("3:10:7") == nil)
    }

    @Test func amqpValueBodiesAreText() {
        var bytes = ByteBuffer()
        AMQPBareMessage(body: .value(.string("hello"))).encode(into: &bytes)
        #expect(MessageView(self.stored(bytes, origin: .amqp), key: nil, deliveryCount: 0).body == "hello")
        var list = ByteBuffer()
        AMQPBareMessage(body: .value(.list([.int(1), .string("a")]))).encode(into: &list)
        let view = MessageView(self.stored(list, origin: .amqp), key: nil, deliveryCount: 0)
        #expect(view.body == #"[1,"a"]"#)
        #expect(view.properties["bodySection"] == .string("amqp-value"))
    }

    @Test func brokenAMQPIsShownRawWithTheError() {
        let view = MessageView(self.stored(ByteBuffer(bytes: [0x00, 0x53, 0x77, 0xff]), origin: .amqp), key: nil, deliveryCount: 0)
        #expect(view.decodeError != nil)
        #expect(view.bodyBase64)
    }

    @Test func mqttMessagesShowPayloadAndMQTT5Properties() {
        let body = MQTTStoredBody(
            payload: ByteBuffer(string: "21.5"),
            qos: .atLeastOnce,
            payloadFormatIndicator: .utf8,
            contentType: "text/plain",
            responseTopic: "replies/1",
            userProperties: [MQTTUserProperty(name: "unit", value: "C"), MQTTUserProperty(name: "tag", value: "a"), MQTTUserProperty(name: "tag", value: "b")]
        )
        let view = MessageView(self.stored(body.encoded(), origin: .mqtt), key: nil, deliveryCount: 0)
        #expect(view.decodeError == nil)
        #expect(view.origin == "mqtt")
        #expect(view.body == "21.5")
        #expect(view.properties["qos"] == .int(1))
        #expect(view.properties["contentType"] == .string("text/plain"))
        #expect(view.properties["responseTopic"] == .string("replies/1"))
        #expect(view.applicationProperties["unit"] == .string("C"))
        #expect(view.applicationProperties["tag"] == .array([.string("a"), .string("b")]))
    }
}
