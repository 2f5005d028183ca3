import AMQPCodec
import BrokerCore
import BrokerTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import AMQPEngine

/// The server handler with an in-process broker, spoken to in typed frames (the codec encodes what
/// the test sends and decodes what the handler writes).
///
/// The channel is `NIOAsyncTestingChannel`, NIOEmbedded's thread-safe EmbeddedChannel: the broker
/// calls back from its store writer and thread pool, and `EmbeddedEventLoop` may only be touched
/// from the thread that made it. Time is still the test's: `advanceTime` drives the idle timer and
/// the browse poll.
@Suite struct AMQPChannelHandlerTests {
    struct UnexpectedAnswer: Error {
        var units: [AMQPInbound]
    }

    /// A weak reference to a connection's handler, to see that it is freed once the channel is.
    final class HandlerWatch: @unchecked Sendable {
        // @unchecked: set once, from the channel's initializer, before the test reads it; the
        // handler is never used through it, only checked for having been freed.
        weak var handler: AMQPChannelHandler?
    }

    /// One client connection to the handler.
    final class Connection {
        let channel: NIOAsyncTestingChannel
        let broker: TestBroker
        private var decoder = AMQPFrameDecoder()
        private var pending: [AMQPInbound] = []

        init(
            broker: TestBroker? = nil,
            allowAnonymous: Bool = true,
            idleTimeout: UInt32? = nil,
            watch: HandlerWatch? = nil
        ) async throws {
            let broker = try broker ?? TestBroker()
            self.broker = broker
            let configuration = AMQPConnectionStateMachine.Configuration(
                containerID: "broker",
                idleTimeout: idleTimeout,
                allowAnonymous: allowAnonymous,
                offersPlain: false
            )
            let core = broker.broker
            self.channel = try await NIOAsyncTestingChannel { channel in
                let handler = AMQPChannelHandler(
                    configuration: configuration,
                    broker: core,
                    connections: ConnectionRegistry(),
                    users: UserDirectory(),
                    logger: .init(label: "test")
                )
                try channel.pipeline.syncOperations.addHandler(handler)
                watch?.handler = handler
            }
            try await self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5672)).get()
        }

        func send(_ units: AMQPInbound...) async throws {
            var bytes = ByteBuffer()
            for unit in units { bytes.writeAMQPInbound(unit) }
            try await self.send(raw: bytes)
        }

        func send(raw bytes: ByteBuffer) async throws {
            try await self.channel.writeInbound(bytes)
        }

        func send(_ performative: AMQPPerformative, payload: ByteBuffer = ByteBuffer()) async throws {
            try await self.send(.frame(AMQPFrame(channel: 0, performative: performative, payload: payload)))
        }

        /// The next `count` units the handler writes, waiting (on the real clock) for broker
        /// callbacks; fewer when they do not come within `timeout`.
        func next(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [AMQPInbound] {
            let deadline = ContinuousClock.now + timeout
            while self.pending.count < count, ContinuousClock.now < deadline {
                await self.channel.testingEventLoop.run()
                var bytes = ByteBuffer()
                while var written = try await self.channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&written) }
                while bytes.readableBytes > 0, let unit = try self.decoder.decode(buffer: &bytes) { self.pending.append(unit) }
                if self.pending.count < count { try await Task.sleep(for: .milliseconds(5)) }
            }
            let taken = Array(self.pending.prefix(count))
            self.pending.removeFirst(taken.count)
            return taken
        }

        /// The performatives of the next `count` frames.
        func nextPerformatives(_ count: Int) async throws -> [AMQPPerformative] {
            try await self.next(count).compactMap { unit in
                if case .frame(let frame) = unit { return frame.performative }
                return nil
            }
        }

        /// The next transfer frame (skipping nothing: it must come next).
        func nextTransfer() async throws -> (AMQPTransfer, ByteBuffer)? {
            guard case .frame(let frame)? = try await self.next(1).first, case .transfer(let transfer) = frame.performative else { return nil }
            return (transfer, frame.payload)
        }

        var isClosed: Bool {
            get async {
                let deadline = ContinuousClock.now + .seconds(5)
                while ContinuousClock.now < deadline {
                    await self.channel.testingEventLoop.run()
                    if !self.channel.isActive { return true }
                    try? await Task.sleep(for: .milliseconds(5))
                }
                return false
            }
        }

        /// SASL ANONYMOUS, the AMQP header, open and begin on channel 0; their answers are read.
        func open() async throws {
            try await self.send(
                .protocolHeader(.sasl),
                .saslFrame(.initial(AMQPSASLInit(mechanism: "ANONYMOUS"))),
                .protocolHeader(.amqp),
                .frame(AMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "client")))),
                .frame(AMQPFrame(channel: 0, performative: .begin(AMQPBegin(nextOutgoingID: 0, incomingWindow: 1000, outgoingWindow: 1000))))
            )
            let answers = try await self.next(6)
            guard answers.count == 6, case .frame(let begin) = answers[5], case .begin = begin.performative else {
                throw UnexpectedAnswer(units: answers)
            }
        }

        func finish() async {
            _ = try? await self.channel.finish(acceptAlreadyClosed: true)
        }
    }

    static func flow(handle: UInt32, deliveryCount: UInt32 = 0, credit: UInt32, drain: Bool = false) -> AMQPPerformative {
        .flow(AMQPFlow(nextIncomingID: 0, incomingWindow: 1000, nextOutgoingID: 0, outgoingWindow: 1000, handle: handle, deliveryCount: deliveryCount, linkCredit: credit, drain: drain))
    }

    static func durableMessage(_ text: String) throws -> ByteBuffer {
        var bare = ByteBuffer()
        AMQPBareMessage(body: .data([ByteBuffer(string: text)])).encode(into: &bare)
        var message = ByteBuffer()
        try AMQPEncodedMessage(header: AMQPHeader(durable: true), bareMessage: bare).encode(into: &message)
        return message
    }

    static func body(of payload: ByteBuffer) -> String? {
        guard let message = try? AMQPEncodedMessage(parsing: payload), case .data(let sections)? = try? message.decodeBody() else { return nil }
        return sections.map { String(buffer: $0) }.joined()
    }

    // MARK: Protocol headers and SASL

    @Test func saslAnonymousThenAMQPOpens() async throws {
        let connection = try await Connection()
        try await connection.send(.protocolHeader(.sasl))
        #expect(try await connection.next(2) == [.protocolHeader(.sasl), .saslFrame(.mechanisms(AMQPSASLMechanisms(mechanisms: ["ANONYMOUS"])))])
        try await connection.send(.saslFrame(.initial(AMQPSASLInit(mechanism: "ANONYMOUS"))))
        #expect(try await connection.next(1) == [.saslFrame(.outcome(AMQPSASLOutcome(code: .ok)))])
        try await connection.send(.protocolHeader(.amqp))
        #expect(try await connection.next(1) == [.protocolHeader(.amqp)])
        try await connection.send(.open(AMQPOpen(containerID: "client")))
        guard case .open(let open)? = try await connection.nextPerformatives(1).first else {
            Issue.record("no open")
            return
        }
        #expect(open.containerID == "broker" && open.offeredCapabilities == ["ANONYMOUS-RELAY"])
        await connection.finish()
    }

    @Test func amqpHeaderWithoutSASLIsAcceptedWhereAnonymousIsAllowed() async throws {
        let connection = try await Connection()
        try await connection.send(.protocolHeader(.amqp), .frame(AMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "client")))))
        let answers = try await connection.next(2)
        #expect(answers.first == .protocolHeader(.amqp))
        guard case .frame(let frame)? = answers.last, case .open = frame.performative else {
            Issue.record("expected open, got \(answers)")
            return
        }
        await connection.finish()
    }

    @Test func amqpHeaderWithoutSASLIsRefusedWhereAnonymousIsNot() async throws {
        let connection = try await Connection(allowAnonymous: false)
        try await connection.send(.protocolHeader(.amqp), .frame(AMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "client")))))
        let answers = try await connection.next(3)
        guard answers.count == 3, case .frame(let frame) = answers[2], case .close(let close) = frame.performative else {
            Issue.record("expected header, open, close; got \(answers)")
            return
        }
        #expect(close.error?.condition == .unauthorizedAccess)
        #expect(await connection.isClosed)
        await connection.finish()
    }

    @Test func wrongProtocolVersionGetsTheBrokersHeaderAndClose() async throws {
        let connection = try await Connection()
        // AMQP 0-9-1, as a RabbitMQ client would send.
        try await connection.send(.protocolHeader(AMQPProtocolHeader(protocolID: .amqp, major: 0, minor: 9, revision: 1)))
        #expect(try await connection.next(1) == [.protocolHeader(.amqp)])
        #expect(await connection.isClosed)
        await connection.finish()
    }

    @Test func httpInsteadOfAMQPGetsTheBrokersHeaderAndClose() async throws {
        let connection = try await Connection(allowAnonymous: false)
        try await connection.send(raw: ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        // Where anonymous access is not allowed the broker asks for SASL first.
        #expect(try await connection.next(1) == [.protocolHeader(.sasl)])
        #expect(await connection.isClosed)
        await connection.finish()
    }

    // MARK: Links

    @Test func producerTransferIsAcceptedAfterTheDurableCommit() async throws {
        let connection = try await Connection()
        try await connection.open()
        try await connection.send(.attach(AMQPAttach(name: "p", handle: 0, role: .sender, target: .target(AMQPTarget(address: "orders")), initialDeliveryCount: 0)))
        let attached = try await connection.nextPerformatives(2)
        guard case .attach(let attach)? = attached.first, case .flow(let flow)? = attached.last else {
            Issue.record("expected attach and flow, got \(attached)")
            return
        }
        #expect(attach.role == .receiver && attach.handle == 0)
        #expect(flow.handle == 0 && flow.linkCredit == 500)

        let transfer = AMQPTransfer(handle: 0, deliveryID: 0, deliveryTag: ByteBuffer(integer: UInt64(1)), messageFormat: 0, settled: false)
        try await connection.send(.transfer(transfer), payload: try Self.durableMessage("order 1"))
        guard case .disposition(let disposition)? = try await connection.nextPerformatives(1).first else {
            Issue.record("no disposition")
            return
        }
        #expect(disposition.role == .receiver && disposition.first == 0 && disposition.settled && disposition.state == .accepted)
        // Accepted means committed: the message is in the store (browse reads stored entries there).
        let queue = try #require(connection.broker.broker.queue(named: "orders"))
        let stored = try queue.browse(limit: 10)
        #expect(stored.count == 1 && stored.first?.message.isDurable == true)
        await connection.finish()
    }

    /// Pre-settled transfers have no other bound: with an intake limit of one byte every stored
    /// message backs the store up and the handler pauses reading until the commit; none is lost.
    @Test func preSettledTransfersPausedByTheStoreBacklogAreAllStored() async throws {
        let broker = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 2), intakeLimit: 1)
        let connection = try await Connection(broker: broker)
        try await connection.open()
        try await connection.send(.attach(AMQPAttach(name: "p", handle: 0, role: .sender, target: .target(AMQPTarget(address: "orders")), initialDeliveryCount: 0)))
        #expect(try await connection.nextPerformatives(2).count == 2)
        var bytes = ByteBuffer()
        for index in 0..<50 {
            var bare = ByteBuffer()
            AMQPBareMessage(body: .data([ByteBuffer(string: "m\(index)")])).encode(into: &bare)
            var message = ByteBuffer()
            try AMQPEncodedMessage(header: AMQPHeader(durable: false), bareMessage: bare).encode(into: &message)
            let transfer = AMQPTransfer(handle: 0, deliveryID: UInt32(index), deliveryTag: ByteBuffer(integer: UInt64(index)), messageFormat: 0, settled: true)
            bytes.writeAMQPInbound(.frame(AMQPFrame(channel: 0, performative: .transfer(transfer), payload: message)))
        }
        try await connection.send(raw: bytes)
        let queue = try #require(broker.broker.queue(named: "orders"))
        // Reserved at once, stored when committed: wait for the store.
        #expect(eventually { (try? queue.browse(limit: 100).count) == 50 })
        #expect(broker.store.intake.pausedProducers > 0)
        // The stored bare message ends with its data section, the text.
        let stored = try queue.browse(limit: 100).map { String(buffer: $0.message.body) }
        #expect(stored.count == 50)
        #expect(zip(stored, 0..<50).allSatisfy { $0.hasSuffix("m\($1)") })
        await connection.finish()
    }

    @Test(arguments: [1, 3, 8, 100, 1000, 4096])
    func aStreamCutIntoReadsOfAnySizeIsDecodedTheSame(readSize: Int) async throws {
        let connection = try await Connection()
        var stream = ByteBuffer()
        stream.writeAMQPInbound(.protocolHeader(.sasl))
        stream.writeAMQPInbound(.saslFrame(.initial(AMQPSASLInit(mechanism: "ANONYMOUS"))))
        stream.writeAMQPInbound(.protocolHeader(.amqp))
        for performative: AMQPPerformative in [
            .open(AMQPOpen(containerID: "client")),
            .begin(AMQPBegin(nextOutgoingID: 0, incomingWindow: 1000, outgoingWindow: 1000)),
            .attach(AMQPAttach(name: "p", handle: 0, role: .sender, target: .target(AMQPTarget(address: "orders")), initialDeliveryCount: 0)),
        ] {
            stream.writeAMQPInbound(.frame(AMQPFrame(channel: 0, performative: performative)))
        }
        let bodies = (0..<5).map { String(repeating: "\($0)", count: 300 * ($0 + 1)) }
        for (index, body) in bodies.enumerated() {
            let transfer = AMQPTransfer(handle: 0, deliveryID: UInt32(index), deliveryTag: ByteBuffer(integer: UInt64(index)), messageFormat: 0, settled: false)
            stream.writeAMQPInbound(.frame(AMQPFrame(channel: 0, performative: .transfer(transfer), payload: try Self.durableMessage(body))))
        }
        while let read = stream.readSlice(length: min(readSize, stream.readableBytes)), read.readableBytes > 0 {
            // Each read in a buffer of its own, as a socket read comes.
            try await connection.send(raw: ByteBuffer(buffer: read))
        }
        // mechanisms, outcome, header, open, begin, attach, flow, then the dispositions.
        var accepted: [UInt32] = []
        while accepted.count < bodies.count, let unit = try await connection.next(1).first {
            guard case .frame(let frame) = unit, case .disposition(let disposition) = frame.performative, disposition.state == .accepted else { continue }
            accepted += Array(disposition.first...(disposition.last ?? disposition.first))
        }
        #expect(accepted == [0, 1, 2, 3, 4])
        let queue = try #require(connection.broker.broker.queue(named: "orders"))
        let stored = try queue.browse(limit: 10)
        #expect(stored.compactMap { Self.body(of: $0.message.body) } == bodies)
        await connection.finish()
    }

    @Test func creditToAReceiverDeliversAndAcceptRemoves() async throws {
        let connection = try await Connection()
        try connection.broker.publish("jobs", "job 1")
        try await connection.open()
        try await connection.send(.attach(AMQPAttach(name: "c", handle: 3, role: .receiver, senderSettleMode: .unsettled, source: AMQPSource(address: "jobs"))))
        guard case .attach(let attach)? = try await connection.nextPerformatives(1).first else {
            Issue.record("no attach")
            return
        }
        #expect(attach.role == .sender && attach.source?.address == "jobs" && attach.initialDeliveryCount == 0)
        // No credit, no transfer.
        #expect(try await connection.next(1, timeout: .milliseconds(100)).isEmpty)

        try await connection.send(Self.flow(handle: 3, credit: 1))
        let (transfer, payload) = try #require(try await connection.nextTransfer())
        #expect(transfer.handle == 3 && transfer.deliveryID == 0 && transfer.settled == false)
        #expect(Self.body(of: payload) == "job 1")

        try await connection.send(.disposition(AMQPDisposition(role: .receiver, first: 0, settled: true, state: .accepted)))
        let queue = try #require(connection.broker.broker.queue(named: "jobs"))
        #expect(eventually { queue.statistics.messageCount == 0 })
        await connection.finish()
    }

    /// The handler refers to its context and to the inbox of its publishes' outcomes, and both
    /// refer back to it. It lets go of them in `handlerRemoved`; before, every AMQP connection the
    /// broker ever had stayed in memory.
    @Test func aClosedConnectionFreesItsHandler() async throws {
        let broker = try TestBroker()
        let watch = HandlerWatch()
        do {
            let connection = try await Connection(broker: broker, watch: watch)
            try await connection.open()
            try await connection.send(.attach(AMQPAttach(name: "p", handle: 0, role: .sender, target: .target(AMQPTarget(address: "freed")), initialDeliveryCount: 0)))
            #expect(try await connection.nextPerformatives(2).count == 2)
            let transfer = AMQPTransfer(handle: 0, deliveryID: 0, deliveryTag: ByteBuffer(integer: UInt64(1)), messageFormat: 0, settled: false)
            try await connection.send(.transfer(transfer), payload: try Self.durableMessage("kept"))
            guard case .disposition? = try await connection.nextPerformatives(1).first else {
                Issue.record("no disposition")
                return
            }
            try await connection.send(.attach(AMQPAttach(name: "c", handle: 1, role: .receiver, senderSettleMode: .unsettled, source: AMQPSource(address: "freed"))))
            #expect(try await connection.nextPerformatives(1).count == 1)
            try await connection.send(Self.flow(handle: 1, credit: 10))
            #expect(try await connection.nextTransfer() != nil)
            #expect(watch.handler != nil)
            await connection.finish()
        }
        #expect(eventually { watch.handler == nil })
    }

    // MARK: Faults

    @Test func malformedFrameClosesWithDecodeError() async throws {
        let connection = try await Connection()
        try await connection.open()
        // A well-formed frame header around a body that is no performative: descriptor 0x53 0x99
        // (an unknown small ulong) followed by nothing.
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(8 + 3))
        frame.writeBytes([0x02, 0x00, 0x00, 0x00])
        frame.writeBytes([0x00, 0x53, 0x99])
        try await connection.send(raw: frame)
        guard case .close(let close)? = try await connection.nextPerformatives(1).first else {
            Issue.record("no close")
            return
        }
        #expect(close.error?.condition == .decodeError)
        #expect(await connection.isClosed)
        await connection.finish()
    }

    @Test func idleTimeoutClosesASilentPeer() async throws {
        let connection = try await Connection(idleTimeout: 1000)
        try await connection.open()
        // Checks run every half timeout; the open counts as heard, so two silent checks follow.
        await connection.channel.testingEventLoop.advanceTime(by: .milliseconds(1100))
        #expect(try await connection.next(1, timeout: .milliseconds(50)).isEmpty)
        await connection.channel.testingEventLoop.advanceTime(by: .milliseconds(500))
        guard case .close(let close)? = try await connection.nextPerformatives(1).first else {
            Issue.record("no close")
            return
        }
        #expect(close.error?.condition == .resourceLimitExceeded)
        #expect(await connection.isClosed)
        await connection.finish()
    }

    @Test func aPeerThatKeepsTalkingIsNotIdle() async throws {
        let connection = try await Connection(idleTimeout: 1000)
        try await connection.open()
        for _ in 0..<6 {
            await connection.channel.testingEventLoop.advanceTime(by: .milliseconds(400))
            try await connection.send(.heartbeat)
        }
        #expect(try await connection.next(1, timeout: .milliseconds(50)).isEmpty)
        #expect(connection.channel.isActive)
        await connection.finish()
    }

    // MARK: Browsing

    @Test func browserGetsCopiesInOrderThenLaterArrivalsAndDrains() async throws {
        let connection = try await Connection()
        try connection.broker.publish("stock", "low", priority: 2)
        try connection.broker.publish("stock", "a")
        try connection.broker.publish("stock", "b")
        try connection.broker.publish("stock", "urgent", priority: 8)
        try await connection.open()
        let source = AMQPSource(address: "stock", distributionMode: .copy)
        try await connection.send(.attach(AMQPAttach(name: "browser", handle: 0, role: .receiver, source: source)))
        guard case .attach(let attach)? = try await connection.nextPerformatives(1).first else {
            Issue.record("no attach")
            return
        }
        #expect(attach.source?.distributionMode == .copy && attach.senderSettleMode == .settled)

        try await connection.send(Self.flow(handle: 0, credit: 10))
        var bodies: [String] = []
        for _ in 0..<4 {
            guard let (transfer, payload) = try await connection.nextTransfer() else { break }
            #expect(transfer.settled == true)
            bodies.append(Self.body(of: payload) ?? "?")
        }
        #expect(bodies == ["urgent", "a", "b", "low"])
        let queue = try #require(connection.broker.broker.queue(named: "stock"))
        #expect(queue.statistics.messageCount == 4 && queue.statistics.inFlight == 0)

        // Seen everything, credit left: the next poll finds a later arrival.
        try connection.broker.publish("stock", "late", priority: 1)
        await connection.channel.testingEventLoop.advanceTime(by: AMQPChannelHandler.browsePollInterval)
        let (_, late) = try #require(try await connection.nextTransfer())
        #expect(Self.body(of: late) == "late")

        // Drain: nothing more, so the delivery-count advances by the unused credit.
        try await connection.send(Self.flow(handle: 0, deliveryCount: 0, credit: 10, drain: true))
        guard case .flow(let drained)? = try await connection.nextPerformatives(1).first else {
            Issue.record("no drain answer")
            return
        }
        #expect(drained.drain && drained.linkCredit == 0 && drained.deliveryCount == 10)
        #expect(queue.statistics.messageCount == 5)
        await connection.finish()
    }

    @Test func browsingATopicIsRefused() async throws {
        let connection = try await Connection()
        try await connection.open()
        let source = AMQPSource(address: "news", distributionMode: .copy, capabilities: ["topic"])
        try await connection.send(.attach(AMQPAttach(name: "browser", handle: 0, role: .receiver, source: source)))
        let answers = try await connection.nextPerformatives(2)
        guard case .attach(let attach)? = answers.first, case .detach(let detach)? = answers.last else {
            Issue.record("expected attach and detach, got \(answers)")
            return
        }
        #expect(attach.source == nil)
        #expect(detach.closed && detach.error?.condition == .notImplemented)
        await connection.finish()
    }
}
