import AMQPCodec
import BrokerCore
import BrokerStore
import BrokerTestSupport
import NIOCore
import Testing

@testable import AMQPEngine

/// Receivers with `apache.org:selector-filter:string` and `apache.org:no-local-filter:list`,
/// through the server handler and an in-process broker.
@Suite struct AMQPSelectorHandlerTests {
    typealias Connection = AMQPChannelHandlerTests.Connection

    static func selectorFilter(_ text: String) -> AMQPMap {
        [.symbol("jms-selector"): .described(descriptor: .symbol(AMQPReceiverFilters.selectorDescriptor), value: .string(text))]
    }

    static let noLocalEntry = AMQPMap.Entry(
        key: .symbol("no-local"),
        value: .described(descriptor: .ulong(AMQPReceiverFilters.noLocalDescriptorCode), value: .list([]))
    )

    /// An AMQP message with application property `color`, published straight into the broker.
    static func publish(_ broker: TestBroker, to address: String, color: String, autoCreateAs: AddressRecord.RoutingTypes = .anycast) throws {
        var bare = ByteBuffer()
        AMQPBareMessage(applicationProperties: [.string("color"): .string(color)], body: .data([ByteBuffer(string: color)]))
            .encode(into: &bare)
        var body = ByteBuffer()
        try AMQPEncodedMessage(header: AMQPHeader(durable: true), bareMessage: bare).encode(into: &body)
        let done = BlockingResult<Result<Void, BrokerError>>()
        broker.broker.publish(IncomingMessage(address: address, origin: .amqp, body: body), autoCreateAs: autoCreateAs) { done.set($0) }
        try done.wait().get()
    }

    private func attach(_ connection: Connection, _ source: AMQPSource, handle: UInt32 = 0) async throws -> [AMQPPerformative] {
        try await connection.send(.attach(AMQPAttach(name: "c\(handle)", handle: handle, role: .receiver, source: source)))
        return try await connection.nextPerformatives(1)
    }

    @Test func aQueueReceiverWithASelectorGetsOnlyMatchingMessagesAndSeesTheFilterEchoed() async throws {
        let connection = try await Connection()
        for color in ["blue", "red", "blue", "red"] { try Self.publish(connection.broker, to: "paint", color: color) }
        try await connection.open()
        var filter = Self.selectorFilter("color = 'red'")
        filter.entries.append(AMQPMap.Entry(key: .symbol("unknown"), value: .described(descriptor: .symbol("example:other"), value: .null)))
        let answers = try await self.attach(connection, AMQPSource(address: "paint", filter: filter))
        guard case .attach(let attach)? = answers.first else {
            Issue.record("expected attach, got \(answers)")
            return
        }
        // The selector is applied and echoed; the filter the broker does not know is not.
        #expect(attach.source?.filter == Self.selectorFilter("color = 'red'"))
        try await connection.send(AMQPChannelHandlerTests.flow(handle: 0, credit: 10))
        let first = try #require(try await connection.nextTransfer())
        let second = try #require(try await connection.nextTransfer())
        #expect(AMQPChannelHandlerTests.body(of: first.1) == "red")
        #expect(AMQPChannelHandlerTests.body(of: second.1) == "red")
        #expect(try await connection.next(1, timeout: .milliseconds(200)).isEmpty)
        let queue = try #require(connection.broker.broker.queue(named: "paint"))
        #expect(queue.statistics.messageCount == 4)
        #expect(queue.statistics.inFlight == 2)
        await connection.finish()
    }

    @Test func aMalformedSelectorRefusesTheAttachWithInvalidFieldAndThePosition() async throws {
        let connection = try await Connection()
        try await connection.open()
        try await connection.send(.attach(AMQPAttach(name: "c", handle: 0, role: .receiver, source: AMQPSource(address: "paint", filter: Self.selectorFilter("color = = 'red'")))))
        let answers = try await connection.nextPerformatives(2)
        guard case .attach(let attach)? = answers.first, case .detach(let detach)? = answers.last else {
            Issue.record("expected attach and detach, got \(answers)")
            return
        }
        #expect(attach.source == nil)
        #expect(detach.closed && detach.error?.condition == .invalidField)
        #expect(detach.error?.info[symbol: "position"] == .int(9))
        #expect(detach.error?.description?.contains("position 9") == true)
        await connection.finish()
    }

    @Test func aTopicSubscriptionWithASelectorStoresOnlyMatchingMessages() async throws {
        let connection = try await Connection()
        try await connection.open()
        let source = AMQPSource(address: "news", filter: Self.selectorFilter("color IN ('red', 'green')"), capabilities: ["topic"])
        let answers = try await self.attach(connection, source)
        guard case .attach(let attach)? = answers.first else {
            Issue.record("expected attach, got \(answers)")
            return
        }
        #expect(attach.source?.filter == Self.selectorFilter("color IN ('red', 'green')"))
        for color in ["blue", "red", "yellow", "green"] { try Self.publish(connection.broker, to: "news", color: color, autoCreateAs: .multicast) }
        let subscription = try #require(connection.broker.broker.queues.first { $0.address == "news" })
        #expect(subscription.statistics.messageCount == 2)
        try await connection.send(AMQPChannelHandlerTests.flow(handle: 0, credit: 10))
        let first = try #require(try await connection.nextTransfer())
        let second = try #require(try await connection.nextTransfer())
        #expect([AMQPChannelHandlerTests.body(of: first.1), AMQPChannelHandlerTests.body(of: second.1)] == ["red", "green"])
        await connection.finish()
    }

    @Test func noLocalOnATopicSkipsTheConnectionsOwnMessagesAndIsEchoed() async throws {
        let connection = try await Connection()
        try await connection.open()
        var filter = AMQPMap()
        filter.entries.append(Self.noLocalEntry)
        let answers = try await self.attach(connection, AMQPSource(address: "chat", filter: filter, capabilities: ["topic"]))
        guard case .attach(let attach)? = answers.first else {
            Issue.record("expected attach, got \(answers)")
            return
        }
        #expect(attach.source?.filter.entries == [Self.noLocalEntry])
        // A producer on the same connection: its message does not come back.
        try await connection.send(.attach(AMQPAttach(name: "p", handle: 1, role: .sender, target: .target(AMQPTarget(address: "chat", capabilities: ["topic"])), initialDeliveryCount: 0)))
        _ = try await connection.nextPerformatives(2)  // attach + flow
        try await connection.send(
            .transfer(AMQPTransfer(handle: 1, deliveryID: 0, deliveryTag: ByteBuffer(integer: UInt32(0)), settled: false)),
            payload: try AMQPChannelHandlerTests.durableMessage("mine")
        )
        guard case .disposition(let disposition)? = try await connection.nextPerformatives(1).first else {
            Issue.record("expected the producer's disposition")
            return
        }
        #expect(disposition.state == .accepted)
        // Another publisher's message does.
        try Self.publish(connection.broker, to: "chat", color: "theirs", autoCreateAs: .multicast)
        try await connection.send(AMQPChannelHandlerTests.flow(handle: 0, credit: 10))
        let transfer = try #require(try await connection.nextTransfer())
        #expect(AMQPChannelHandlerTests.body(of: transfer.1) == "theirs")
        #expect(try await connection.next(1, timeout: .milliseconds(200)).isEmpty)
        await connection.finish()
    }

    @Test func noLocalOnAQueueIsNotAppliedSoNotEchoed() async throws {
        let connection = try await Connection()
        try await connection.open()
        var filter = AMQPMap()
        filter.entries.append(Self.noLocalEntry)
        let answers = try await self.attach(connection, AMQPSource(address: "jobs", filter: filter))
        guard case .attach(let attach)? = answers.first else {
            Issue.record("expected attach, got \(answers)")
            return
        }
        #expect(attach.source?.filter.isEmpty == true)
        await connection.finish()
    }

    @Test func anEmptySelectorSelectsEverythingAndIsNotEchoed() async throws {
        let connection = try await Connection()
        try Self.publish(connection.broker, to: "paint", color: "blue")
        try await connection.open()
        let answers = try await self.attach(connection, AMQPSource(address: "paint", filter: Self.selectorFilter("  ")))
        guard case .attach(let attach)? = answers.first else {
            Issue.record("expected attach, got \(answers)")
            return
        }
        #expect(attach.source?.filter.isEmpty == true)
        try await connection.send(AMQPChannelHandlerTests.flow(handle: 0, credit: 1))
        #expect(try await connection.nextTransfer() != nil)
        await connection.finish()
    }

    @Test func aBrowserWithASelectorSeesOnlyMatchingMessages() async throws {
        let connection = try await Connection()
        for color in ["blue", "red", "blue", "red"] { try Self.publish(connection.broker, to: "paint", color: color) }
        try await connection.open()
        let source = AMQPSource(address: "paint", distributionMode: .copy, filter: Self.selectorFilter("color <> 'blue'"))
        let answers = try await self.attach(connection, source)
        guard case .attach(let attach)? = answers.first else {
            Issue.record("expected attach, got \(answers)")
            return
        }
        #expect(attach.source?.filter == Self.selectorFilter("color <> 'blue'"))
        try await connection.send(AMQPChannelHandlerTests.flow(handle: 0, credit: 10))
        let first = try #require(try await connection.nextTransfer())
        let second = try #require(try await connection.nextTransfer())
        #expect([AMQPChannelHandlerTests.body(of: first.1), AMQPChannelHandlerTests.body(of: second.1)] == ["red", "red"])
        #expect(try await connection.next(1, timeout: .milliseconds(200)).isEmpty)
        await connection.finish()
    }
}
