import AMQPCodec
import BrokerStore
import NIOCore
import Testing

@testable import BrokerUplink

/// What the AMQP uplink sends for each stored message, and how it reads the peer's outcomes.
@Suite struct AMQPUplinkMessageTests {
    static func amqpBody(messageID: AMQPValue?, properties: AMQPMap?, body: AMQPMessageBody) -> ByteBuffer {
        var bare = ByteBuffer()
        AMQPBareMessage(properties: AMQPProperties(messageID: messageID, subject: "s"), applicationProperties: properties, body: body).encode(into: &bare)
        var buffer = ByteBuffer()
        try! AMQPEncodedMessage(header: AMQPHeader(durable: true, priority: 7), messageAnnotations: [.symbol("x-opt-a"): .string("b")], bareMessage: bare).encode(into: &buffer)
        return buffer
    }

    @Test func anAMQPMessageKeepsItsIDAndGainsTheDuplicateIDProperty() throws {
        let stored = StoredMessage(
            id: MessageID(42), address: "telemetry/a", priority: 7, creationTime: 1,
            origin: .amqp, body: Self.amqpBody(messageID: .string("app-1"), properties: [.string("site"): .string("north")], body: .value(.string("hi")))
        )
        let parsed = try AMQPEncodedMessage(parsing: AMQPUplinkMessage.encode(stored, stableID: "edge:42"))
        #expect(parsed.properties?.messageID == .string("app-1"))
        #expect(parsed.properties?.subject == "s")
        let properties = try #require(try parsed.decodeApplicationProperties())
        #expect(properties[string: "site"] == .string("north"))
        #expect(properties[string: "_AMQ_DUPL_ID"] == .string("edge:42"))
        #expect(try parsed.decodeBody() == .value(.string("hi")))
        #expect(parsed.header?.priority == 7)
        #expect(parsed.header?.durable == true)
        #expect(parsed.messageAnnotations?[symbol: "x-opt-a"] == .string("b"))
    }

    /// The body sections go on byte for byte (never decoded); delivery-annotations (one hop) are
    /// dropped; message-annotations and the footer stay.
    @Test(arguments: [
        AMQPMessageBody.data([ByteBuffer(string: "first"), ByteBuffer(repeating: 7, count: 1024)]),
        AMQPMessageBody.sequence([[.int(1), .string("two")], [.null]]),
        AMQPMessageBody.value(.map([.string("k"): .long(-5)])),
    ])
    func theBodyIsCopiedAndOnlyTheTransportSectionsChange(body: AMQPMessageBody) throws {
        var bare = ByteBuffer()
        AMQPBareMessage(properties: AMQPProperties(messageID: .ulong(5)), applicationProperties: [.string("a"): .int(1)], body: body).encode(into: &bare)
        let received = try AMQPEncodedMessage(
            header: AMQPHeader(durable: false, priority: 1),
            deliveryAnnotations: [.symbol("x-hop"): .string("h")],
            messageAnnotations: [.symbol("x-opt-a"): .string("b")],
            bareMessage: bare,
            footer: [.symbol("x-sig"): .string("f")]
        )
        var stored = ByteBuffer()
        received.encode(into: &stored)
        let message = StoredMessage(id: MessageID(5), address: "q", priority: 6, creationTime: 1, origin: .amqp, body: stored)

        let sent = try AMQPEncodedMessage(parsing: AMQPUplinkMessage.encode(message, stableID: "edge:5"))
        #expect(sent.encodedBody == received.encodedBody)
        #expect(try sent.decodeBody() == body)
        #expect(sent.deliveryAnnotations == nil)
        #expect(sent.messageAnnotations?[symbol: "x-opt-a"] == .string("b"))
        #expect(sent.footer?[symbol: "x-sig"] == .string("f"))
        #expect(sent.header?.priority == 6)
        #expect(sent.header?.durable == true)
        #expect(sent.properties?.messageID == .ulong(5))
        let properties = try #require(try sent.decodeApplicationProperties())
        #expect(properties[string: "a"] == .int(1))
        #expect(properties[string: "_AMQ_DUPL_ID"] == .string("edge:5"))
    }

    @Test func anAMQPMessageWithoutIDGetsTheStableID() throws {
        let stored = StoredMessage(id: MessageID(1), address: "q", creationTime: 1, origin: .amqp, body: Self.amqpBody(messageID: nil, properties: nil, body: .data([ByteBuffer(string: "b")])))
        let parsed = try AMQPEncodedMessage(parsing: AMQPUplinkMessage.encode(stored, stableID: "edge:1"))
        #expect(parsed.properties?.messageID == .string("edge:1"))
        #expect(try parsed.decodeApplicationProperties()?[string: "_AMQ_DUPL_ID"] == .string("edge:1"))
    }

    @Test func anMQTTMessageIsMappedFirst() throws {
        let stored = StoredMessage(id: MessageID(9), address: "telemetry/t", priority: 2, creationTime: 5, origin: .mqtt, body: ByteBuffer(string: "21.5"))
        let parsed = try AMQPEncodedMessage(parsing: AMQPUplinkMessage.encode(stored, stableID: "edge:9"))
        // MessageMapping's message-id (the store id) is kept.
        #expect(parsed.properties?.messageID == .ulong(9))
        #expect(parsed.properties?.to == "telemetry/t")
        #expect(try parsed.decodeApplicationProperties()?[string: "_AMQ_DUPL_ID"] == .string("edge:9"))
        #expect(parsed.header?.priority == 2)
    }

    @Test func aCoreMessageBecomesADataSection() throws {
        let stored = StoredMessage(id: MessageID(3), address: "q", priority: 9, isDurable: false, creationTime: 5, origin: .core, body: ByteBuffer(string: "raw"))
        let parsed = try AMQPEncodedMessage(parsing: AMQPUplinkMessage.encode(stored, stableID: "edge:3"))
        #expect(parsed.properties?.messageID == .string("edge:3"))
        #expect(try parsed.decodeBody() == .data([ByteBuffer(string: "raw")]))
        #expect(try parsed.decodeApplicationProperties()?[string: "_AMQ_DUPL_ID"] == .string("edge:3"))
        #expect(parsed.header?.priority == 9)
        #expect(parsed.header?.durable == false)
    }

    @Test func outcomesMapToRemoteOutcomes() {
        #expect(AMQPUplinkConnection.outcome(.accepted) == .accepted)
        #expect(AMQPUplinkConnection.outcome(.released) == .notTaken)
        #expect(AMQPUplinkConnection.outcome(.modified(AMQPModified(deliveryFailed: true))) == .notTaken)
        #expect(AMQPUplinkConnection.outcome(.rejected(AMQPRejected(error: AMQPError(condition: .notAllowed, description: "too big")))) == .rejected(reason: "amqp:not-allowed: too big"))
        #expect(AMQPUplinkConnection.outcome(.rejected(AMQPRejected(error: AMQPError(condition: .notAllowed)))) == .rejected(reason: "amqp:not-allowed"))
        #expect(AMQPUplinkConnection.outcome(.rejected(AMQPRejected())) == .rejected(reason: "rejected by the AMQP peer"))
    }
}
