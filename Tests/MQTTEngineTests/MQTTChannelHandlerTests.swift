import BrokerCore
import BrokerStore
import BrokerTestSupport
import MQTTCodec
import MessageMapping
@testable import MQTTEngine
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// The real handler and registry on a real event loop, spoken to by a typed client (the codec in the
/// client role) over loopback.
@Suite(.serialized) struct MQTTChannelHandlerTests {
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = MQTTPacket
        let packets = NIOLockedValueBox<[MQTTPacket]>([])
        let closed = NIOLockedValueBox(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let packet = self.unwrapInboundIn(data)
            self.packets.withLockedValue { $0.append(packet) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.closed.withLockedValue { $0 = true }
        }

        /// Waits for the next packet.
        func next(timeout: Duration = .seconds(5)) -> MQTTPacket? {
            var packet: MQTTPacket?
            _ = eventually(timeout: timeout) {
                packet = self.packets.withLockedValue { $0.isEmpty ? nil : $0.removeFirst() }
                return packet != nil
            }
            return packet
        }
    }

    /// Weak references to the server's connection handlers, to see that closed ones are freed.
    final class HandlerWatch: @unchecked Sendable {
        // @unchecked: `handlers` is only touched under `lock`; the handlers themselves are never
        // used through it, only checked for having been freed.
        private struct WeakHandler {
            weak var handler: MQTTChannelHandler?
        }
        private let lock = NIOLock()
        private var handlers: [WeakHandler] = []

        func watch(_ handler: MQTTChannelHandler) {
            self.lock.withLock { self.handlers.append(WeakHandler(handler: handler)) }
        }

        var created: Int { self.lock.withLock { self.handlers.count } }
        var alive: Int { self.lock.withLock { self.handlers.filter { $0.handler != nil }.count } }
    }

    final class Server {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let broker: TestBroker
        let channel: any Channel
        let connections = ConnectionRegistry()
        let handlers = HandlerWatch()

        init(
            settings: MQTTServerSettings = MQTTServerSettings(allowAnonymous: true, users: UserDirectory()),
            configuration: BrokerConfiguration = BrokerConfiguration(),
            intakeLimit: Int = StoreConfiguration.defaultIntakeLimit
        ) throws {
            self.broker = try TestBroker(configuration: configuration, intakeLimit: intakeLimit)
            let broker = self.broker.broker
            let connections = self.connections
            let handlers = self.handlers
            self.channel = try ServerBootstrap(group: self.group)
                .childChannelInitializer { channel in
                    MQTTServer.configure(channel: channel, broker: broker, connections: connections, settings: settings, logger: .init(label: "test"))
                        .flatMapThrowing { handlers.watch(try channel.pipeline.syncOperations.handler(type: MQTTChannelHandler.self)) }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        }

        func client(version: MQTTProtocolVersion = .v5) throws -> (any Channel, Collector) {
            let collector = Collector()
            let port = self.channel.localAddress?.port ?? 0
            let channel = try ClientBootstrap(group: self.group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MQTTPacketDecoder(protocolVersion: version)))
                        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MQTTPacketEncoder(protocolVersion: version)))
                        try channel.pipeline.syncOperations.addHandler(collector)
                    }
                }
                .connect(host: "127.0.0.1", port: port).wait()
            return (channel, collector)
        }

        deinit {
            try? self.channel.close().wait()
            try? self.group.syncShutdownGracefully()
        }
    }

    @Test func connectPublishSubscribeOverTheHandler() throws {
        let server = try Server()
        let (channel, packets) = try server.client()
        try channel.writeAndFlush(MQTTPacket.connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "h1"))).wait()
        guard case .connAck(let connAck)? = packets.next() else { throw TestFailure("no CONNACK") }
        #expect(connAck.reasonCode == .success)
        #expect(server.connections.all.first?.clientID == "h1")

        let subscribe = MQTTSubscribePacket(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: "h/+", options: MQTTSubscriptionOptions(qos: .atLeastOnce))])
        try channel.writeAndFlush(MQTTPacket.subscribe(subscribe)).wait()
        #expect(packets.next() == .subAck(MQTTSubAckPacket(packetIdentifier: 1, reasonCodes: [.grantedQoS1])))

        let publish = MQTTPublishPacket(topicName: "h/1", payload: ByteBuffer(string: "hi"), qos: .atLeastOnce, packetIdentifier: 5)
        try channel.writeAndFlush(MQTTPacket.publish(publish)).wait()
        var gotAck = false
        var delivered: MQTTPublishPacket?
        for _ in 0..<2 {
            switch packets.next() {
            case .pubAck(let ack)?: gotAck = ack.packetIdentifier == 5
            case .publish(let message)?: delivered = message
            default: break
            }
        }
        #expect(gotAck)
        #expect(delivered?.topicName == "h/1")
        #expect(delivered.map { String(buffer: $0.payload) } == "hi")
        if let id = delivered?.packetIdentifier {
            try channel.writeAndFlush(MQTTPacket.pubAck(MQTTPubAckPacket(packetIdentifier: id))).wait()
        }
        try channel.writeAndFlush(MQTTPacket.disconnect(MQTTDisconnectPacket())).wait()
        #expect(eventually { packets.closed.withLockedValue { $0 } })
        #expect(eventually { server.connections.all.isEmpty })
    }

    /// With an intake limit of one byte every stored message backs the store up, so the publisher
    /// is paused (reading stops) after each one and resumed after its commit: nothing is lost or
    /// reordered, and packets read behind a paused publish wait for it.
    @Test func aQoS0PublisherPausedByTheStoreBacklogLosesNothing() throws {
        // No waiting for room in the window: every message that finds it full is stored.
        let settings = MQTTServerSettings(allowAnonymous: true, users: UserDirectory(), windowWaitLimit: .zero)
        let server = try Server(settings: settings, configuration: BrokerConfiguration(queueWindowMessages: 2), intakeLimit: 1)
        let (subscriber, received) = try server.client()
        let receiveMaximum = MQTTProperties(receiveMaximum: 5)
        try subscriber.writeAndFlush(MQTTPacket.connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "slow", properties: receiveMaximum))).wait()
        #expect(received.next()?.packetType == .connAck)
        let subscription = MQTTSubscription(topicFilter: "flood", options: MQTTSubscriptionOptions(qos: .atLeastOnce))
        try subscriber.writeAndFlush(MQTTPacket.subscribe(MQTTSubscribePacket(packetIdentifier: 1, subscriptions: [subscription]))).wait()
        #expect(received.next()?.packetType == .subAck)

        let (publisher, publisherPackets) = try server.client()
        try publisher.writeAndFlush(MQTTPacket.connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "fast"))).wait()
        #expect(publisherPackets.next()?.packetType == .connAck)
        let count = 200
        for index in 0..<count {
            // Unacknowledged deliveries (5) and the queue's window (2) fill: the rest is stored.
            publisher.write(MQTTPacket.publish(MQTTPublishPacket(topicName: "flood", payload: ByteBuffer(string: "\(index)"), qos: .atMostOnce)), promise: nil)
        }
        try publisher.writeAndFlush(MQTTPacket.pingReq).wait()
        // PINGRESP comes after every publish before it was handled, paused or not.
        #expect(publisherPackets.next(timeout: .seconds(20)) == .pingResp)
        #expect(server.broker.store.intake.pausedProducers > 0)

        var payloads: [String] = []
        while payloads.count < count, case .publish(let delivery)? = received.next() {
            payloads.append(String(buffer: delivery.payload))
            if let id = delivery.packetIdentifier {
                try subscriber.writeAndFlush(MQTTPacket.pubAck(MQTTPubAckPacket(packetIdentifier: id))).wait()
            }
        }
        #expect(payloads == (0..<count).map { "\($0)" })
    }

    /// A subscriber that takes one message at a time: its window (2) fills again and again, and
    /// each time the QoS 0 publisher is held until it drains instead of having the message paged
    /// to the store.
    @Test func aQoS0PublisherGoesAtItsSubscribersPaceWithoutPaging() throws {
        let (server, recorder, consumer) = try self.watchedFlood(windowWaitLimit: .seconds(60))
        let (publisher, _) = try self.connectPublisher(server)
        let submissionsBefore = server.broker.store.statistics.snapshot.submissions
        let count = 100
        self.flood(count, from: publisher)
        for taken in 1...count {
            consumer.addCredit(1)
            #expect(recorder.waitFor(taken))
        }
        #expect(try self.payloads(recorder) == (0..<count).map { "\($0)" })
        #expect(server.broker.store.statistics.snapshot.submissions == submissionsBefore)  // nothing paged
    }

    /// A subscriber that takes nothing holds the publisher only for the wait limit; then the
    /// messages are paged to the store and none is lost.
    @Test func aStalledSubscriberHoldsAQoS0PublisherOnlyForTheWaitLimit() throws {
        let (server, recorder, consumer) = try self.watchedFlood(windowWaitLimit: .milliseconds(50))
        let count = 50
        let (publisher, publisherPackets) = try self.connectPublisher(server)
        self.flood(count, from: publisher)
        try publisher.writeAndFlush(MQTTPacket.pingReq).wait()
        #expect(publisherPackets.next(timeout: .seconds(20)) == .pingResp)  // while nothing is taken
        #expect(server.broker.store.statistics.snapshot.submissions > 0)  // the overflow went to the store
        consumer.addCredit(count)
        #expect(recorder.waitFor(count))
        #expect(try self.payloads(recorder) == (0..<count).map { "\($0)" })
    }

    /// A server whose queues hold 2 messages in memory, and a consumer without credit on a queue
    /// bound to `flood`.
    func watchedFlood(windowWaitLimit: TimeAmount) throws -> (Server, RecordingConsumer, Consumer) {
        let settings = MQTTServerSettings(allowAnonymous: true, users: UserDirectory(), windowWaitLimit: windowWaitLimit)
        let server = try Server(settings: settings, configuration: BrokerConfiguration(queueWindowMessages: 2))
        let queue = try server.broker.broker.subscribe(queueName: "watch", filter: "flood", isDurable: false)
        let recorder = RecordingConsumer()
        return (server, recorder, queue.addConsumer(delegate: recorder, credit: 0))
    }

    func payloads(_ recorder: RecordingConsumer) throws -> [String] {
        try recorder.deliveries.map { String(buffer: try MQTTStoredBody(decoding: $0.message.body).payload) }
    }

    func connectPublisher(_ server: Server) throws -> (any Channel, Collector) {
        let (publisher, packets) = try server.client()
        try publisher.writeAndFlush(MQTTPacket.connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "fast"))).wait()
        #expect(packets.next()?.packetType == .connAck)
        return (publisher, packets)
    }

    /// Publishes QoS 0 messages "0", "1", ... to `flood`.
    func flood(_ count: Int, from publisher: any Channel) {
        for index in 0..<count {
            publisher.write(MQTTPacket.publish(MQTTPublishPacket(topicName: "flood", payload: ByteBuffer(string: "\(index)"), qos: .atMostOnce)), promise: nil)
        }
        publisher.flush()
    }

    /// A handler keeps its channel context while it is in the pipeline; one that kept it after
    /// `handlerRemoved` kept itself alive (handler -> context -> handler), with its buffers: every
    /// connection a broker ever had stayed in memory.
    @Test func closedConnectionsFreeTheirHandlers() throws {
        let server = try Server()
        for index in 0..<3 {
            let (channel, packets) = try server.client()
            try channel.writeAndFlush(MQTTPacket.connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "gone\(index)"))).wait()
            #expect(packets.next()?.packetType == .connAck)
            let subscribe = MQTTSubscribePacket(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: "gone/+", options: MQTTSubscriptionOptions(qos: .atLeastOnce))])
            try channel.writeAndFlush(MQTTPacket.subscribe(subscribe)).wait()
            #expect(packets.next()?.packetType == .subAck)
            try channel.writeAndFlush(MQTTPacket.publish(MQTTPublishPacket(topicName: "gone/1", payload: ByteBuffer(string: "x"), qos: .atMostOnce))).wait()
            #expect(packets.next()?.packetType == .publish)
            try channel.writeAndFlush(MQTTPacket.disconnect(MQTTDisconnectPacket())).wait()
            #expect(eventually { packets.closed.withLockedValue { $0 } })
        }
        // A connection closed before CONNECT too.
        let (silent, silentPackets) = try server.client()
        try silent.close().wait()
        #expect(eventually { silentPackets.closed.withLockedValue { $0 } })

        #expect(eventually { server.handlers.created == 4 })
        #expect(eventually { server.handlers.alive == 0 }, "\(server.handlers.alive) of \(server.handlers.created) handlers still alive")
    }

    @Test func aPacketBeforeConnectClosesTheConnection() throws {
        let server = try Server()
        let (channel, packets) = try server.client(version: .v3_1_1)
        try channel.writeAndFlush(MQTTPacket.pingReq).wait()
        #expect(eventually { packets.closed.withLockedValue { $0 } })
    }

    @Test func takeoverSendsSessionTakenOver() throws {
        let server = try Server()
        let (first, firstPackets) = try server.client()
        try first.writeAndFlush(MQTTPacket.connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "same"))).wait()
        #expect(firstPackets.next()?.packetType == .connAck)
        let (second, secondPackets) = try server.client()
        try second.writeAndFlush(MQTTPacket.connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "same"))).wait()
        #expect(firstPackets.next() == .disconnect(MQTTDisconnectPacket(reasonCode: .sessionTakenOver)))
        #expect(secondPackets.next()?.packetType == .connAck)
    }

    @Test func retainedMessagesAreStoredAndSentOnSubscribe() throws {
        let server = try Server()
        let (channel, packets) = try server.client()
        try channel.writeAndFlush(MQTTPacket.connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "r"))).wait()
        _ = packets.next()
        let publish = MQTTPublishPacket(topicName: "r/t", payload: ByteBuffer(string: "kept"), qos: .atLeastOnce, retain: true, packetIdentifier: 1)
        try channel.writeAndFlush(MQTTPacket.publish(publish)).wait()
        #expect(packets.next()?.packetType == .pubAck)
        let records = try server.broker.store.read { try $0.records(.retained) }
        #expect(records.map { String(decoding: $0.key, as: UTF8.self) } == ["r/t"])
        try channel.writeAndFlush(MQTTPacket.subscribe(MQTTSubscribePacket(packetIdentifier: 2, subscriptions: [MQTTSubscription(topicFilter: "r/#", options: MQTTSubscriptionOptions(qos: .atMostOnce))]))).wait()
        #expect(packets.next()?.packetType == .subAck)
        guard case .publish(let retained)? = packets.next() else { throw TestFailure("no retained publish") }
        #expect(retained.retain)
        #expect(String(buffer: retained.payload) == "kept")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
