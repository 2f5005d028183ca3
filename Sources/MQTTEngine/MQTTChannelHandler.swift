import BrokerCore
import BrokerStore
import Logging
import MQTTCodec
import MessageMapping
import NIOCore
import NIOPosix

/// Interprets the session state machine for one connection: each decoded packet, broker callback
/// or timer becomes one machine call, and the returned actions are run in order. Packets are encoded
/// into one buffer per batch and flushed at the end of a read batch or delivery batch.
///
/// The handler decodes the bytes it reads itself (`NIOSingleStepByteToMessageProcessor`, as
/// postgres-nio's channel handler does) rather than behind a `ByteToMessageHandler`: passed down
/// the pipeline, every packet was boxed into an `NIOAny` (a heap allocation, the packet being larger
/// than an existential's inline room) and cast back out of it.
final class MQTTChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Packets a client may pipeline after CONNECT while authentication and session attach run.
    static let maximumHeldPackets = 1000

    private var machine: MQTTSessionStateMachine
    private let decoder: NIOSingleStepByteToMessageProcessor<MQTTPacketDecoder>
    /// Set by a malformed packet: the connection is closing, and nothing it sends after is read.
    private var decodingStopped = false
    private let broker: Broker
    private let registry: MQTTSessionRegistry
    private let connections: ConnectionRegistry
    private let settings: MQTTServerSettings
    private var logger: Logger

    private var context: ChannelHandlerContext?
    private var connectionID: UInt64 = 0
    private var consumers: [Int: Consumer] = [:]
    /// Credit held back from subscriptions while the socket is not writable (a slow client), so
    /// messages wait in their queues (bounded, on disk past the window) instead of in this
    /// connection's write buffer; granted when it drains below the low watermark.
    private var withheldCredit: [Int: Int] = [:]
    /// A publish that waits for room in a full queue whose address policy is `block`: reading
    /// stops (TCP pushes back on the client) and packets already read wait behind it, in order.
    private var blockedPublication: MQTTIncomingPublication?
    /// This read batch's QoS 1/2 messages that subscribers get before their commit: handed to their
    /// queues once per batch (at `channelReadComplete`, or `handlerRemoved` if the connection goes
    /// first), not once per message.
    private let earlyAdmissions = EarlyAdmissions()
    /// Counts pauses, so that what resumes an earlier one (a queue's waiter, a time limit) does
    /// not resume a later one.
    private var pauseGeneration = 0
    /// Acks and credit for subscription queues, handed over once per read or delivery batch.
    private var settlements = MQTTPendingSettlements()
    /// The store's answers to this connection's QoS 1 and 2 PUBLISHes, brought from the writer
    /// thread in batches (set from `handlerAdded` to `handlerRemoved`; it refers to this handler).
    private var commits: EventLoopInbox<CommittedPublish>?
    private var heldPackets: [MQTTPacket] = []
    private var outbound: ByteBuffer?
    private var isReading = false
    private var lastActivity = NIODeadline.now()
    private var keepAliveTask: RepeatedTask?
    private var connectTimeout: Scheduled<Void>?
    private var closedPromise: EventLoopPromise<Void>?
    private var messagesIn = 0
    private var messagesOut = 0

    init(
        decoder: MQTTPacketDecoder,
        broker: Broker,
        registry: MQTTSessionRegistry,
        connections: ConnectionRegistry,
        settings: MQTTServerSettings,
        logger: Logger
    ) {
        self.decoder = NIOSingleStepByteToMessageProcessor(decoder)
        self.broker = broker
        self.registry = registry
        self.connections = connections
        self.settings = settings
        self.logger = logger
        self.machine = MQTTSessionStateMachine(configuration: settings.machineConfiguration)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.closedPromise = context.eventLoop.makePromise(of: Void.self)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.commits = EventLoopInbox(eventLoop: context.eventLoop) { committed in
            bound.value.publishesCommitted(committed)
        }
        if context.channel.isActive {
            self.start(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.earlyAdmissions.admit()
        self.commits = nil  // breaks the handler -> inbox -> handler cycle; late answers still arrive
        self.context = nil  // the context holds this handler: kept, the two would outlive the connection
    }

    func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard self.connectionID == 0 else { return }
        let channel = context.channel
        self.connectionID = self.connections.register(
            protocolName: "mqtt",
            remoteAddress: channel.remoteAddress.map { "\($0)" } ?? "?",
            since: self.broker.clock.now(),
            close: { channel.close(promise: nil) }
        )
        self.logger[metadataKey: "outpost.connection"] = "\(self.connectionID)"
        self.logger.debug("mqtt connection opened")
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.connectTimeout = context.eventLoop.scheduleTask(in: self.settings.connectTimeout) {
            let handler = bound.value
            if case .awaitingConnect = handler.machine.phase {
                handler.run(handler.machine.keepAliveExpired())
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.decodingStopped else { return }
        let bytes = self.unwrapInboundIn(data)
        self.isReading = true
        self.lastActivity = .now()
        do {
            try self.decoder.process(buffer: bytes) { packet in self.packetDecoded(packet) }
        } catch {
            self.decodingStopped = true
            if let decodingError = error as? MQTTDecodingError {
                self.run(self.machine.decodingFailed(decodingError))
            } else {
                self.logger.debug("mqtt decoding failed", metadata: ["outpost.error": "\(error)"])
                context.close(promise: nil)
            }
        }
    }

    private func packetDecoded(_ packet: MQTTPacket) {
        if self.machine.isAwaitingSession {
            guard self.heldPackets.count < Self.maximumHeldPackets else {
                return self.run([.close(nil, reason: "too many packets before CONNACK")])
            }
            self.heldPackets.append(packet)
            return
        }
        if self.blockedPublication != nil {
            // Reading is paused: only packets decoded from bytes already read arrive here.
            self.heldPackets.append(packet)
            return
        }
        self.dispatch(packet)
    }

    private func dispatch(_ packet: MQTTPacket) {
        switch packet {
        case .connect(let connect):
            self.connectTimeout?.cancel()
            self.run(self.machine.connectReceived(connect, generatedClientID: Self.generateClientID()))
        case .publish:
            self.messagesIn += 1
            self.run(self.machine.packetReceived(packet, now: self.broker.clock.now()))
        default:
            self.run(self.machine.packetReceived(packet, now: self.broker.clock.now()))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.isReading = false
        self.earlyAdmissions.admit()
        self.flush()
        self.settle()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, !self.withheldCredit.isEmpty {
            let withheld = self.withheldCredit
            self.withheldCredit = [:]
            for (subscriptionID, credit) in withheld {
                self.consumers[subscriptionID]?.addCredit(credit)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("mqtt connection error", metadata: ["outpost.error": "\(error)"])
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.keepAliveTask?.cancel(promise: nil)
        self.connectTimeout?.cancel()
        self.run(self.machine.channelInactive())
        self.outbound = nil
        self.connections.unregister(self.connectionID)
        self.logger.debug("mqtt connection closed")
        self.closedPromise?.succeed()
        context.fireChannelInactive()
    }

    // MARK: Broker events

    func deliveriesArrived(subscriptionID: Int, _ deliveries: [Delivery]) {
        let actions = self.machine.deliveriesArrived(subscriptionID: subscriptionID, deliveries, now: self.broker.clock.now())
        self.run(actions)
        if !self.isReading { self.flush() }
    }

    /// Hands the collected acks and credit to the subscription queues, one call per subscription.
    /// Credit is held back while the socket is not writable (see `withheldCredit`), and dropped
    /// when the consumers are about to close (`grantingCredit: false`): new deliveries would only
    /// come back to their queue as counted attempts.
    private func settle(grantingCredit: Bool = true) {
        guard !self.settlements.isEmpty else { return }
        let isWritable = self.context?.channel.isWritable ?? false
        for settlement in self.settlements.take() {
            var credit = grantingCredit ? settlement.credit : 0
            if !isWritable, credit > 0 {
                self.withheldCredit[settlement.subscriptionID, default: 0] += credit
                credit = 0
            }
            guard !settlement.keys.isEmpty || credit > 0, let consumer = self.consumers[settlement.subscriptionID] else { continue }
            consumer.settle(acknowledging: settlement.keys, addingCredit: credit)
        }
    }

    /// The store committed (or refused) PUBLISHes of this client, in submission order.
    private func publishesCommitted(_ committed: [CommittedPublish]) {
        for publish in committed {
            self.run(self.machine.publishCommitted(packetID: publish.packetID, qos: publish.qos, result: publish.result))
        }
        if !self.isReading { self.flush() }
    }

    private func takeOver() {
        self.run(self.machine.takenOver())
    }

    // MARK: Actions

    /// Runs `actions` in order. Outside a read batch (broker callbacks, timers) the acks and credit
    /// they produced are settled at once; during one, at `channelReadComplete`.
    private func run(_ actions: [MQTTSessionAction]) {
        for action in actions {
            self.run(action)
        }
        if !self.isReading { self.settle() }
    }

    private func run(_ action: MQTTSessionAction) {
        guard let context = self.context else { return }
        switch action {
        case .send(let packet):
            self.write(packet)
        case .authenticate(let username, let password):
            self.authenticate(username: username, password: password, context: context)
        case .attachSession(let request):
            self.attachSession(request, context: context)
        case .startKeepAlive(let seconds):
            self.startKeepAlive(seconds: seconds, context: context)
        case .publish(let publication):
            self.publishWhenAdmitted(publication, context: context)
        case .resumeSubscriptions(let subscriptions, let credit):
            for subscription in subscriptions {
                do {
                    try self.attachConsumer(subscription, credit: credit, context: context)
                } catch {
                    self.logger.info("mqtt subscription not restored", metadata: ["outpost.queue": "\(subscription.queueName)", "outpost.error": "\(error)"])
                }
            }
        case .subscribe(let packetID, let requests, let credit):
            self.settle()  // a re-subscription replaces its consumer: settle with the old one first
            let now = self.broker.clock.now()
            var outcomes: [MQTTSubscriptionOutcome] = []
            for request in requests {
                let subscription = request.subscription
                do {
                    if request.isNew || self.consumers[subscription.id] == nil {
                        try self.attachConsumer(subscription, credit: credit, context: context)
                    }
                    let retained = subscription.isShared || subscription.options.retainHandling == .doNotSend
                        ? [] : self.registry.retainedMessages(matching: subscription.routingFilter, now: now)
                    outcomes.append(.created(retained: retained))
                } catch let error as BrokerError {
                    outcomes.append(.failed(MQTTErrorMapping.subscribeReasonCode(for: error)))
                } catch {
                    outcomes.append(.failed(.unspecifiedError))
                }
            }
            self.run(self.machine.subscriptionsCreated(packetID: packetID, requests, outcomes: outcomes, now: now))
        case .unsubscribe(let subscriptions, _):
            self.settle()  // before the consumers close, so what the client acknowledged is not redelivered
            for subscription in subscriptions {
                self.detachConsumer(subscription, deleteQueue: true)
            }
        case .acknowledge(let subscriptionID, let key):
            self.settlements.acknowledge(key, subscriptionID: subscriptionID)
        case .grantCredit(let subscriptionID, let credit):
            self.settlements.grantCredit(credit, subscriptionID: subscriptionID)
        case .storePacketID(let incoming, let packetID, let held):
            let operation = self.registry.packetIDChanged(clientID: self.machine.clientID, incoming: incoming, packetID: packetID, held: held)
            let logger = self.logger
            self.broker.store.submit([operation]) { result in
                if case .failure(let error) = result {
                    logger.error("mqtt packet id not stored", metadata: ["outpost.error": "\(error)"])
                }
            }
        case .saveSubscriptions(let subscriptions):
            self.registry.saveSubscriptions(clientID: self.machine.clientID, subscriptions)
        case .close(let packet, let reason):
            self.logger.debug("mqtt connection closing", metadata: ["outpost.reason": "\(reason)"])
            if let packet { self.write(packet) }
            self.flush()
            context.close(promise: nil)
        case .endSession(let end):
            self.settle(grantingCredit: false)  // every consumer closes: acks only
            self.endSession(end, context: context)
        }
    }

    private func write(_ packet: MQTTPacket) {
        guard let context = self.context else { return }
        if self.outbound == nil {
            self.outbound = context.channel.allocator.buffer(capacity: 256)
        }
        do {
            try packet.encode(into: &self.outbound!, version: self.machine.version)
            if case .publish = packet { self.messagesOut += 1 }
        } catch {
            self.logger.info("mqtt packet not encoded", metadata: ["outpost.error": "\(error)"])
        }
    }

    private func flush() {
        guard let context = self.context, let buffer = self.outbound, buffer.readableBytes > 0 else { return }
        self.outbound = nil
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
        if self.messagesIn > 0 || self.messagesOut > 0 {
            self.connections.countTraffic(self.connectionID, messagesIn: self.messagesIn, messagesOut: self.messagesOut)
            self.messagesIn = 0
            self.messagesOut = 0
        }
    }

    // MARK: Action details

    private func authenticate(username: String, password: ByteBuffer?, context: ChannelHandlerContext) {
        let users = self.settings.users
        let passwordText = password.flatMap { $0.getString(at: $0.readerIndex, length: $0.readableBytes) } ?? ""
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        // PBKDF2 is deliberately slow: never on the event loop.
        NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) {
            users.authenticate(username: username, password: passwordText)
        }.whenComplete { result in
            let handler = bound.value
            let accepted = (try? result.get()) ?? false
            handler.run(handler.machine.authenticationCompleted(accepted: accepted))
            handler.flush()
        }
    }

    private func attachSession(_ request: MQTTSessionRequest, context: ChannelHandlerContext) {
        self.connections.identify(self.connectionID, clientID: request.clientID, username: nil)
        self.logger[metadataKey: "outpost.client"] = "\(request.clientID)"
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let handle = MQTTConnectionHandle(
            id: self.connectionID,
            takeOver: { bound.eventLoop.execute { bound.value.takeOver() } },
            closed: self.closedPromise?.futureResult ?? context.eventLoop.makeSucceededVoidFuture()
        )
        self.registry.attach(
            clientID: request.clientID,
            handle: handle,
            cleanStart: request.cleanStart,
            persistentExpiry: request.persistentExpiry,
            eventLoop: context.eventLoop
        ).whenComplete { result in
            let handler = bound.value
            switch result {
            case .success(let attached):
                handler.run(
                    handler.machine.sessionAttached(
                        sessionPresent: attached.sessionPresent,
                        subscriptions: attached.subscriptions,
                        incomingPacketIDs: attached.incomingPacketIDs,
                        outgoingPacketIDs: attached.outgoingPacketIDs,
                        unacknowledged: attached.unacknowledged
                    )
                )
            case .failure(let error):
                handler.run(handler.machine.refuseConnect(.serverUnavailable, "session not available: \(error)"))
            }
            handler.replayHeldPackets()
            handler.flush()
        }
    }

    /// Dispatches packets held while the session attached or a publish waited for room, in
    /// order, until one of them blocks again.
    private func replayHeldPackets() {
        // By index, removing what was replayed once at the end: a paused read batch holds
        // thousands of small PUBLISHes, and removing them one by one from the front is quadratic.
        var replayed = 0
        while self.blockedPublication == nil, !self.machine.isAwaitingSession, replayed < self.heldPackets.count {
            let packet = self.heldPackets[replayed]
            replayed += 1
            self.dispatch(packet)
        }
        self.heldPackets.removeFirst(replayed)
    }

    // MARK: Pausing producers (store backlog, queues full under policy `block`)

    /// Publishes now, or pauses reading from this client until the publication can go: while the
    /// store's writer holds too much uncommitted memory (any QoS: a QoS 0 flood would otherwise
    /// become the broker's memory), or while a queue it routes to is full and its address blocks.
    private func publishWhenAdmitted(_ publication: MQTTIncomingPublication, context: ChannelHandlerContext) {
        if self.broker.store.intake.isBackedUp {
            let resume = self.pause(publication, reason: "store backlog", context: context)
            self.broker.store.intake.whenDrained(resume)
        } else if let full = self.fullBlockingQueue(for: publication.topic) {
            let resume = self.pause(publication, reason: "queue '\(full.name)' full", context: context)
            full.whenNotFull(resume)
        } else {
            self.publish(publication, context: context)
        }
    }

    /// A queue the topic routes to that is full and whose address blocks producers; nil at once
    /// when no address policy blocks (the common case costs one flag check).
    private func fullBlockingQueue(for topic: String) -> Queue? {
        guard self.broker.configuration.hasBlockingPolicies else { return nil }
        return self.broker.route(topic).first { $0.isFull && self.broker.policy(for: $0.address).fullPolicy == .block }
    }

    /// Holds `publication` and stops reading; returns what resumes publishing, from any thread.
    private func pause(_ publication: MQTTIncomingPublication, reason: String, context: ChannelHandlerContext) -> @Sendable () -> Void {
        if self.blockedPublication == nil {
            self.logger.trace("mqtt publisher paused", metadata: ["outpost.reason": "\(reason)"])
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
        self.blockedPublication = publication
        self.pauseGeneration &+= 1
        let generation = self.pauseGeneration
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        return { bound.eventLoop.execute { bound.value.resumePublishing(generation: generation) } }
    }

    /// Holds a QoS 0 publish while `queue`'s window is full and consumed (`Broker.publish`,
    /// `onWindowFull`): the publisher goes at its subscribers' pace instead of having its
    /// messages paged to the store, for up to `MQTTServerSettings.windowWaitLimit` at a time.
    private func holdForRoom(_ publication: MQTTIncomingPublication, in queue: Queue, context: ChannelHandlerContext) {
        let resume = self.pause(publication, reason: "subscription window full", context: context)
        let generation = self.pauseGeneration
        queue.whenProducerMayGoOn(resume)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: self.settings.windowWaitLimit) {
            let handler = bound.value
            guard handler.pauseGeneration == generation, handler.blockedPublication != nil else { return }
            handler.blockedPublication?.mayWaitForRoom = false
            queue.producerGaveUpWaiting()
            handler.resumePublishing(generation: generation)
        }
    }

    /// What the paused publish waited for is there: publish it (unless it has to wait again),
    /// then carry on with what was held and resume reading. A resume of an earlier pause does nothing.
    private func resumePublishing(generation: Int) {
        guard generation == self.pauseGeneration else { return }
        guard let publication = self.blockedPublication, let context = self.context, context.channel.isActive else { return }
        self.blockedPublication = nil
        self.publishWhenAdmitted(publication, context: context)
        self.replayHeldPackets()
        if self.blockedPublication == nil {
            // Turning autoRead back on makes the channel read again.
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
        self.flush()
    }

    private func startKeepAlive(seconds: UInt16, context: ChannelHandlerContext) {
        guard seconds > 0 else { return }
        let limit = TimeAmount.milliseconds(Int64(seconds) * 1500)
        let interval = TimeAmount.milliseconds(max(100, Int64(seconds) * 1500 / 4))
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.keepAliveTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { task in
            let handler = bound.value
            // A client whose publish is held for room is silent because the broker stopped reading.
            if handler.blockedPublication != nil { handler.lastActivity = .now() }
            if NIODeadline.now() - handler.lastActivity >= limit {
                task.cancel()
                handler.run(handler.machine.keepAliveExpired())
            }
        }
    }

    private func publish(_ publication: MQTTIncomingPublication, context: ChannelHandlerContext) {
        var operations: [StoreOperation] = []
        if publication.storesPacketID, let packetID = publication.packetID {
            operations.append(self.registry.packetIDChanged(clientID: self.machine.clientID, incoming: true, packetID: packetID, held: true))
        }
        let qos = publication.body.qos
        guard let packetID = publication.packetID else {
            let logger = self.logger
            let onWindowFull: ((Queue) -> Void)? =
                publication.mayWaitForRoom && self.settings.windowWaitLimit > .zero
                ? { queue in self.holdForRoom(publication, in: queue, context: context) } : nil
            self.registry.publish(
                topic: publication.topic,
                body: publication.body,
                expiration: publication.expiration,
                additionalOperations: operations,
                onWindowFull: onWindowFull
            ) { result in
                if case .failure(let error) = result {
                    logger.trace("mqtt QoS 0 publish dropped", metadata: ["outpost.error": "\(error)"])
                }
            }
            return
        }
        guard let commits = self.commits else { return }  // set while the handler is in a pipeline
        // Outside a read batch (a held publish resumed), nothing else will admit early entries.
        let earlyAdmissions = self.isReading ? self.earlyAdmissions : nil
        self.registry.publish(
            topic: publication.topic,
            body: publication.body,
            expiration: publication.expiration,
            additionalOperations: operations,
            earlyAdmissions: earlyAdmissions
        ) { result in
            commits.append(CommittedPublish(packetID: packetID, qos: qos, result: result))
        }
    }

    private func attachConsumer(_ subscription: MQTTActiveSubscription, credit: Int, context: ChannelHandlerContext) throws {
        let queue: Queue
        if let existing = self.broker.queue(named: subscription.queueName) {
            queue = existing
        } else {
            queue = try self.broker.subscribe(queueName: subscription.queueName, filter: subscription.routingFilter, isDurable: subscription.isDurable)
        }
        let bridge = MQTTConsumerBridge(handler: NIOLoopBound(self, eventLoop: context.eventLoop), subscriptionID: subscription.id)
        self.consumers[subscription.id]?.close()
        self.consumers[subscription.id] = queue.addConsumer(delegate: bridge, credit: credit)
        if subscription.isShared {
            self.registry.joinShare(queueName: subscription.queueName)
        }
    }

    private func detachConsumer(_ subscription: MQTTActiveSubscription, deleteQueue: Bool) {
        self.consumers.removeValue(forKey: subscription.id)?.close()
        if subscription.isShared {
            self.registry.leaveShare(queueName: subscription.queueName)
        } else if deleteQueue, self.broker.queue(named: subscription.queueName) != nil {
            try? self.broker.deleteQueue(named: subscription.queueName)
        }
    }

    private func endSession(_ end: MQTTSessionEnd, context: ChannelHandlerContext) {
        for subscription in end.subscriptions {
            // A session without expiry ends with its connection (also when taken over: the new
            // connection waits for this cleanup before it attaches).
            self.detachConsumer(subscription, deleteQueue: end.persistentExpiry == nil)
        }
        for consumer in self.consumers.values { consumer.close() }
        self.consumers = [:]
        self.registry.detach(
            clientID: end.clientID,
            connectionID: self.connectionID,
            persistentExpiry: end.persistentExpiry,
            unacknowledged: end.unacknowledged,
            eventLoop: context.eventLoop
        )
        if let will = end.will {
            self.registry.scheduleWill(will, clientID: end.clientID, delay: end.willDelay, eventLoop: context.eventLoop)
        }
    }

    private static func generateClientID() -> String {
        "outpost-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }
}

@available(*, unavailable)
extension MQTTChannelHandler: Sendable {}

/// The store's answer to one QoS 1 or 2 PUBLISH.
struct CommittedPublish: Sendable {
    var packetID: UInt16
    var qos: MQTTQoS
    var result: Result<Void, BrokerError>
}
