import AMQPCodec
import BrokerCore
import BrokerStore
import Logging
import NIOCore
import NIOPosix

/// The thin interpreter between a socket and `AMQPConnectionStateMachine`: decodes frames, makes one
/// machine call per frame, and performs the actions (writes, broker calls). Writes gather in one
/// buffer and go out once per read batch (or per batch of broker callbacks); dispositions of
/// consecutive deliveries are merged into ranges first.
final class AMQPChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct PendingDisposition {
        var channel: UInt16
        var role: AMQPRole
        var first: UInt32
        var last: UInt32
        var settled: Bool
        var state: AMQPDeliveryState?
    }

    private var machine: AMQPConnectionStateMachine
    private var decoder = AMQPFrameDecoder()
    private var inbound: ByteBuffer?
    private var outbound = ByteBuffer()
    private var pendingDispositions: [PendingDisposition] = []
    private var closeAfterFlush = false
    private var flushScheduled = false
    private var context: ChannelHandlerContext?
    private var links: [AMQPLinkID: AMQPLinkResources] = [:]
    private var transactions = AMQPTransactionRegistry()
    private let broker: Broker
    private let resolver: AMQPNodeResolver
    private let connections: ConnectionRegistry
    private let users: UserDirectory
    private var logger: Logger
    private var connectionID: UInt64?
    private var remoteAddress = "?"
    private var heartbeatTask: RepeatedTask?
    private var idleTask: RepeatedTask?
    /// Reading stopped until the store's intake drains (see `pauseReadingWhileStoreBacklogged`).
    private var isPausedForStore = false
    private var readSinceIdleCheck = true
    private var silentIdleChecks = 0
    private var wroteSinceHeartbeat = false
    private var messagesIn = 0
    private var messagesOut = 0

    init(
        configuration: AMQPConnectionStateMachine.Configuration,
        broker: Broker,
        connections: ConnectionRegistry,
        users: UserDirectory,
        logger: Logger
    ) {
        self.machine = AMQPConnectionStateMachine(configuration: configuration)
        self.broker = broker
        self.resolver = AMQPNodeResolver(broker: broker)
        self.connections = connections
        self.users = users
        self.logger = logger
    }

    /// Publish completions, from the store writer's thread to this connection's event loop: one hop
    /// per burst of commits, whose dispositions then go out in one flush.
    private var publishCompletions: EventLoopInbox<AMQPPublishCompletion>?

    private var loopBound: NIOLoopBound<AMQPChannelHandler>? {
        self.context.map { NIOLoopBound(self, eventLoop: $0.eventLoop) }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.publishCompletions = EventLoopInbox(eventLoop: context.eventLoop) { completions in
            handler.value.publishesCompleted(completions)
        }
        if context.channel.isActive { self.connectionStarted(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.connectionStarted(context: context)
        context.fireChannelActive()
    }

    private func connectionStarted(context: ChannelHandlerContext) {
        guard self.connectionID == nil else { return }
        self.remoteAddress = context.channel.remoteAddress.map { "\($0)" } ?? "?"
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let id = self.connections.register(protocolName: "amqp", remoteAddress: self.remoteAddress, since: self.broker.clock.now()) {
            handler.eventLoop.execute { handler.value.closeRequested() }
        }
        self.connectionID = id
        self.logger[metadataKey: AMQPLogKey.connection] = "\(id)"
        self.logger[metadataKey: AMQPLogKey.remoteAddress] = "\(self.remoteAddress)"
        self.logger.debug("amqp connection accepted")
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.heartbeatTask?.cancel()
        self.idleTask?.cancel()
        self.run(self.machine.connectionLost())
        self.reportTraffic()
        if let id = self.connectionID {
            self.connections.unregister(id)
        }
        self.logger.debug("amqp connection closed")
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Both refer back to this handler: kept, they would hold it (and it them) after the
        // connection is gone. Publishes still in the store hold the inbox until they complete.
        self.context = nil
        self.publishCompletions = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var read = self.unwrapInboundIn(data)
        self.readSinceIdleCheck = true
        // A unit (frame or protocol header) split between reads gets only its own rest copied
        // behind it; the units after it are decoded from the read itself. Appending each read to
        // the leftover copied every received byte once more (transfer payloads stay slices of
        // these buffers up to the store).
        while !self.machine.isClosed, read.readableBytes > 0, var partial = self.inbound, partial.readableBytes > 0 {
            self.inbound = nil
            let unitSize = self.decoder.sizeOfNextUnit(in: partial)
            var rest = read.readSlice(length: min(max(1, unitSize - partial.readableBytes), read.readableBytes)) ?? ByteBuffer()
            if partial.readerIndex != 0 || partial.writableBytes < rest.readableBytes {
                // Out of the read buffer it came in (which other frames' payloads may still share),
                // into one for this unit alone; a large frame then grows there over several reads.
                var unit = ByteBuffer()
                unit.reserveCapacity(max(partial.readableBytes + rest.readableBytes, min(unitSize, Int(self.decoder.maximumFrameSize))))
                unit.writeBuffer(&partial)
                partial = unit
            }
            partial.writeBuffer(&rest)
            self.inbound = partial
            self.decodeInbound()
        }
        if !self.machine.isClosed, read.readableBytes > 0 {
            self.inbound = read
            self.decodeInbound()
        }
    }

    /// Decodes and handles every complete unit in `inbound`; a partial one stays there.
    private func decodeInbound() {
        while !self.machine.isClosed, var buffer = self.inbound, buffer.readableBytes > 0 {
            self.inbound = nil  // keep the buffer uniquely referenced while decoding
            let unit: AMQPInbound?
            do {
                unit = try self.decoder.decode(buffer: &buffer)
            } catch let error as AMQPDecodingError {
                self.logger.debug("amqp decode error", metadata: [AMQPLogKey.error: "\(error)"])
                self.run(self.machine.decodingFailed(error))
                return
            } catch {
                self.run(self.machine.decodingFailed(AMQPDecodingError(code: .truncated, context: "\(error)", offset: 0)))
                return
            }
            self.inbound = buffer
            guard let unit else { break }
            self.handle(unit)
        }
    }

    private func handle(_ unit: AMQPInbound) {
        switch unit {
        case .protocolHeader(let header):
            self.run(self.machine.protocolHeaderReceived(header))
        case .saslFrame(let performative):
            self.run(self.machine.saslReceived(performative))
        case .heartbeat:
            self.run(self.machine.heartbeatReceived())
        case .frame(let frame):
            if self.logger.logLevel <= .trace {
                self.logger.trace("amqp frame received", metadata: ["outpost.frame": "\(frame.channel) \(frame.performative)"])
            }
            self.run(self.machine.frameReceived(frame))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.flush()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("amqp connection error", metadata: [AMQPLogKey.error: "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Broker callbacks (on the event loop)

    func deliveriesArrived(_ linkID: AMQPLinkID, _ deliveries: [Delivery]) {
        self.messagesOut += deliveries.count
        self.run(self.machine.deliveriesArrived(linkID, deliveries))
        self.scheduleFlush()
    }

    func drainCompleted(_ linkID: AMQPLinkID) {
        self.run(self.machine.drainCompleted(linkID))
        self.scheduleFlush()
    }

    private func publishCompleted(_ linkID: AMQPLinkID, deliveryID: UInt32, settled: Bool, _ result: Result<Void, AMQPError>) {
        self.run(self.machine.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, result))
        self.scheduleFlush()
    }

    /// A burst of publish completions: their dispositions are gathered and flushed once.
    private func publishesCompleted(_ completions: [AMQPPublishCompletion]) {
        self.run(self.machine.publishesCompleted(completions))
        self.scheduleFlush()
    }

    private func targetHasCapacity(_ linkID: AMQPLinkID) {
        self.run(self.machine.targetHasCapacity(linkID))
        self.scheduleFlush()
    }

    private func authenticationCompleted(username: String, success: Bool) {
        if success {
            self.logger[metadataKey: AMQPLogKey.username] = "\(username)"
        } else {
            // Never the password.
            self.logger.notice("amqp authentication failed", metadata: [AMQPLogKey.username: "\(username)", AMQPLogKey.remoteAddress: "\(self.remoteAddress)"])
        }
        self.run(self.machine.authenticationCompleted(success: success))
        self.scheduleFlush()
    }

    fileprivate func closeRequested() {
        self.run(self.machine.closeRequested())
        self.scheduleFlush()
    }

    /// Stops reading from the peer while the store's writer holds too much uncommitted memory
    /// (a flood of pre-settled transfers has no other bound); frames already read still run.
    private func pauseReadingWhileStoreBacklogged() {
        guard !self.isPausedForStore, self.broker.store.intake.isBackedUp, let context, let handler = self.loopBound else { return }
        self.isPausedForStore = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        self.broker.store.intake.whenDrained {
            handler.eventLoop.execute { handler.value.storeBacklogDrained() }
        }
    }

    private func storeBacklogDrained() {
        self.isPausedForStore = false
        guard let context, context.channel.isActive else { return }
        // Turning autoRead back on makes the channel read again.
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
    }

    private func idleCheck() {
        if self.isPausedForStore {
            self.silentIdleChecks = 0  // silent because the broker stopped reading
            return
        }
        if self.readSinceIdleCheck {
            self.readSinceIdleCheck = false
            self.silentIdleChecks = 0
            return
        }
        self.silentIdleChecks += 1
        // Checks run at half the timeout: two silent ones in a row span the whole timeout.
        if self.silentIdleChecks >= 2 {
            self.logger.debug("amqp peer idle past the timeout")
            self.run(self.machine.idleTimeoutExpired())
            self.flush()
        }
    }

    private func sendHeartbeat() {
        if !self.wroteSinceHeartbeat && !self.machine.isClosed {
            self.outbound.writeAMQPHeartbeat()
            self.flush()
        }
        self.wroteSinceHeartbeat = false
    }

    // MARK: Actions

    private func run(_ actions: [AMQPConnectionAction]) {
        for action in actions {
            self.run(action)
        }
    }

    private func run(_ action: AMQPConnectionAction) {
        switch action {
        case .sendProtocolHeader(let header):
            self.outbound.writeAMQPProtocolHeader(header)
        case .sendSASL(let performative):
            self.outbound.writeSASLFrame(performative)
        case .sendFrame(let frame):
            if self.logger.logLevel <= .trace {
                self.logger.trace("amqp frame sent", metadata: ["outpost.frame": "\(frame.channel) \(frame.performative)"])
            }
            self.outbound.writeAMQPFrame(frame)
        case .sendDisposition(let channel, let role, let deliveryID, let settled, let state):
            self.addDisposition(channel: channel, role: role, deliveryID: deliveryID, settled: settled, state: state)
        case .authenticate(let username, let password):
            self.authenticate(username: username, password: password)
        case .connectionOpened(let containerID, let username, let maximumFrameSize, let heartbeatInterval, let idleTimeout):
            self.connectionOpened(containerID: containerID, username: username, maximumFrameSize: maximumFrameSize, heartbeatInterval: heartbeatInterval, idleTimeout: idleTimeout)
        case .resolveLink(let linkID, let request):
            self.resolve(linkID, request)
        case .publish(let linkID, let deliveryID, let settled, let message, let transactionID):
            if let transactionID {
                self.stagePublish(linkID, deliveryID: deliveryID, settled: settled, message: message, transactionID: transactionID)
            } else {
                self.publish(linkID, deliveryID: deliveryID, settled: settled, message: message)
            }
        case .declareTransaction(let linkID, let channel, let deliveryID, let settled):
            let id = self.transactions.declare(self.broker.makeTransaction(), channel: channel)
            self.run(self.machine.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, .success(()), acceptedState: .declared(AMQPDeclared(transactionID: id))))
        case .dischargeTransaction(let linkID, let deliveryID, let settled, let transactionID, let fail):
            self.discharge(linkID, deliveryID: deliveryID, settled: settled, transactionID: transactionID, fail: fail)
        case .settleInTransaction(let linkID, let key, let settlement, let transactionID):
            guard case .consumer(let link) = self.links[linkID] else { return }
            guard let transaction = self.transactions.transaction(transactionID) else {
                // Nothing to stage it in: the delivery stays with the consumer until the link ends.
                self.logger.notice("amqp disposition names an unknown transaction", metadata: ["outpost.link": "\(linkID)"])
                return
            }
            transaction.stageSettlement(Self.transactionSettlement(settlement), of: key, by: link.consumer)
        case .rollbackTransactions(let channel):
            for transaction in self.transactions.removeAll(declaredOn: channel) {
                self.broker.rollback(transaction)
            }
        case .checkTargetCapacity(let linkID):
            self.checkTargetCapacity(linkID)
        case .addConsumerCredit(let linkID, let credit):
            switch self.links[linkID] {
            case .consumer(let link): link.consumer.addCredit(credit)
            case .browser: self.browse(linkID) { $0.creditAdded(credit) }
            case .producer, .none: break
            }
        case .drainConsumer(let linkID):
            switch self.links[linkID] {
            case .consumer(let link): link.consumer.drain()
            case .browser: self.browse(linkID) { $0.drainRequested() }
            case .producer, .none: break
            }
        case .settle(let linkID, let key, let settlement):
            // Browsers are never asked to settle: their deliveries are copies.
            guard case .consumer(let link) = self.links[linkID] else { return }
            switch settlement {
            case .acknowledge: link.consumer.acknowledge(key)
            case .releaseUncounted: link.consumer.release(key, countAttempt: false)
            case .releaseCounted: link.consumer.release(key, countAttempt: true)
            case .reject: link.consumer.reject(key)
            }
        case .returnDeliveries(let linkID, let keys):
            switch self.links[linkID] {
            case .consumer(let link):
                self.messagesOut -= keys.count
                for key in keys { link.consumer.release(key, countAttempt: false) }
            case .browser:
                self.messagesOut -= keys.count
                self.browse(linkID) { $0.deliveriesReturned(keys) }
            case .producer, .none:
                break
            }
        case .releaseLink(let linkID, let closed):
            self.releaseLink(linkID, closed: closed)
        case .closeConnection:
            self.closeAfterFlush = true
        }
    }

    private func connectionOpened(containerID: String, username: String?, maximumFrameSize: UInt32, heartbeatInterval: TimeAmount?, idleTimeout: TimeAmount?) {
        self.decoder.maximumFrameSize = maximumFrameSize
        self.logger[metadataKey: AMQPLogKey.containerID] = "\(containerID)"
        if let id = self.connectionID {
            self.connections.identify(id, clientID: containerID, username: username)
        }
        self.logger.debug("amqp connection open")
        guard let context = self.context else { return }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        if let heartbeatInterval, heartbeatInterval > .zero {
            let interval = max(heartbeatInterval, .milliseconds(10))
            self.heartbeatTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                handler.value.sendHeartbeat()
            }
        }
        if let idleTimeout, idleTimeout > .zero {
            let interval = TimeAmount.nanoseconds(max(idleTimeout.nanoseconds / 2, 10_000_000))
            self.idleTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                handler.value.idleCheck()
            }
        }
    }

    private func authenticate(username: String, password: String) {
        guard let handler = self.loopBound else { return }
        let users = self.users
        // PBKDF2 is deliberately slow: off the event loop.
        NIOThreadPool.singleton.runIfActive(eventLoop: handler.eventLoop) {
            users.authenticate(username: username, password: password)
        }.whenComplete { result in
            let success = (try? result.get()) ?? false
            handler.value.authenticationCompleted(username: username, success: success)
        }
    }

    private func resolve(_ linkID: AMQPLinkID, _ request: AMQPLinkRequest) {
        guard let handler = self.loopBound else { return }
        let result: Result<AMQPResolvedNode, AMQPError>
        do {
            switch request.kind {
            case .producer(let address, let capabilities):
                let (producer, node) = try self.resolver.resolveProducer(address: address, capabilities: capabilities)
                self.links[linkID] = .producer(producer)
                result = .success(node)
            case .consumer(let consumerRequest) where consumerRequest.distributionMode == .copy:
                let (queue, node) = try self.resolver.resolveBrowsedQueue(consumerRequest)
                let cursor = AMQPBrowserStateMachine(filter: consumerRequest.filters.selector.map(AMQPSelectorFilter.init))
                self.links[linkID] = .browser(AMQPLinkResources.BrowserLink(queue: queue, cursor: cursor))
                result = .success(node)
            case .consumer(let consumerRequest):
                let resolved = try self.resolver.resolveConsumer(
                    consumerRequest,
                    linkName: request.linkName,
                    containerID: request.containerID,
                    linkID: linkID,
                    connectionID: self.connectionID
                )
                let consumer = resolved.queue.addConsumer(
                    delegate: AMQPConsumerBridge(linkID: linkID, handler: handler),
                    credit: 0,
                    filter: resolved.filter
                )
                self.links[linkID] = .consumer(AMQPLinkResources.ConsumerLink(consumer: consumer, queue: resolved.queue, lifetime: resolved.lifetime))
                result = .success(resolved.node)
            }
        } catch {
            let amqpError = AMQPErrorMapping.amqpError(for: error)
            self.logger.debug("amqp attach refused", metadata: [AMQPLogKey.link: "\(request.linkName)", AMQPLogKey.error: "\(amqpError.condition.rawValue): \(amqpError.description ?? "")"])
            result = .failure(amqpError)
        }
        self.run(self.machine.linkResolved(linkID, result))
    }

    /// The broker's form of a transfer's message, marked with this connection for no-local subscriptions.
    private func incomingMessage(_ message: ByteBuffer, from producer: AMQPLinkResources.Producer) throws -> IncomingMessage {
        var incoming = try AMQPMessageMapping.incomingMessage(payload: message, linkAddress: producer.address, now: self.broker.clock.now())
        incoming.publisherConnection = self.connectionID
        return incoming
    }

    private func publish(_ linkID: AMQPLinkID, deliveryID: UInt32, settled: Bool, message: ByteBuffer) {
        guard case .producer(let producer) = self.links[linkID] else { return }
        self.messagesIn += 1
        let incoming: IncomingMessage
        do {
            incoming = try self.incomingMessage(message, from: producer)
        } catch {
            let amqpError = AMQPErrorMapping.amqpError(for: error)
            return self.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, .failure(amqpError))
        }
        // Duplicate detection by `_AMQ_DUPL_ID` (uplinks from other nodes): see AMQPDuplicateFilter.
        var operations: [StoreOperation] = []
        let duplicateID = AMQPDuplicateFilter.duplicateID(in: message)
        let filter = duplicateID.flatMap { _ in AMQPDuplicateFilter.shared(for: self.broker) }
        if let duplicateID, let filter {
            switch filter.admit(duplicateID) {
            case .duplicate:
                return self.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, .success(()))
            case .new(let recordOperations):
                operations = recordOperations
            }
        }
        let completions = self.publishCompletions
        self.pauseReadingWhileStoreBacklogged()
        self.broker.publish(incoming, autoCreateAs: producer.autoCreateAs, additionalOperations: operations) { result in
            if case .failure = result, let duplicateID { filter?.forget(duplicateID) }
            let mapped = result.mapError { AMQPErrorMapping.amqpError(for: $0) }
            completions?.append(AMQPPublishCompletion(linkID: linkID, deliveryID: deliveryID, settled: settled, result: mapped))
        }
    }

    // MARK: Transactions

    /// A message sent inside a transaction: staged, visible only when the transaction commits.
    private func stagePublish(_ linkID: AMQPLinkID, deliveryID: UInt32, settled: Bool, message: ByteBuffer, transactionID: ByteBuffer) {
        guard case .producer(let producer) = self.links[linkID] else { return }
        self.messagesIn += 1
        guard let transaction = self.transactions.transaction(transactionID) else {
            let error = AMQPError(condition: .transactionUnknownID, description: "no open transaction with this txn-id")
            return self.run(self.machine.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, .failure(error)))
        }
        do {
            let incoming = try self.incomingMessage(message, from: producer)
            transaction.stagePublish(incoming, autoCreateAs: producer.autoCreateAs)
        } catch {
            let amqpError = AMQPErrorMapping.amqpError(for: error)
            return self.run(self.machine.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, .failure(amqpError)))
        }
        let staged = AMQPDeliveryState.transactional(AMQPTransactionalState(transactionID: transactionID, outcome: .accepted))
        self.run(self.machine.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, .success(()), acceptedState: staged))
    }

    /// Commits or rolls back; the coordinator's disposition waits for the durable commit.
    private func discharge(_ linkID: AMQPLinkID, deliveryID: UInt32, settled: Bool, transactionID: ByteBuffer, fail: Bool) {
        guard let transaction = self.transactions.discharge(transactionID) else {
            let error = AMQPError(condition: .transactionUnknownID, description: "no open transaction with this txn-id")
            return self.run(self.machine.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, .failure(error)))
        }
        guard !fail else {
            self.broker.rollback(transaction)
            return self.run(self.machine.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, .success(())))
        }
        guard let handler = self.loopBound else { return self.broker.rollback(transaction) }
        self.broker.commit(transaction) { result in
            let mapped = result.mapError { error in
                AMQPError(condition: .transactionRollback, description: "the transaction was rolled back: \(error.detail)")
            }
            handler.eventLoop.execute { handler.value.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, mapped) }
        }
    }

    private static func transactionSettlement(_ settlement: AMQPSettlement) -> BrokerTransaction.Settlement {
        switch settlement {
        case .acknowledge: .acknowledge
        case .releaseUncounted: .release(countAttempt: false)
        case .releaseCounted: .release(countAttempt: true)
        case .reject: .reject
        }
    }

    private func checkTargetCapacity(_ linkID: AMQPLinkID) {
        guard case .producer(let producer) = self.links[linkID], let address = producer.address, let handler = self.loopBound else {
            return self.run(self.machine.targetHasCapacity(linkID))
        }
        guard let full = self.broker.route(address).first(where: { $0.isFull }) else {
            return self.run(self.machine.targetHasCapacity(linkID))
        }
        full.whenNotFull {
            handler.eventLoop.execute { handler.value.checkTargetCapacityAgain(linkID) }
        }
    }

    /// Another queue of the address may have filled meanwhile: check them all again.
    private func checkTargetCapacityAgain(_ linkID: AMQPLinkID) {
        self.checkTargetCapacity(linkID)
        self.scheduleFlush()
    }

    private func releaseLink(_ linkID: AMQPLinkID, closed: Bool) {
        guard let resources = self.links.removeValue(forKey: linkID) else { return }
        let link: AMQPLinkResources.ConsumerLink
        switch resources {
        case .producer:
            return
        case .browser(let browser):
            // A read still in flight finds no link when it completes and is dropped.
            browser.pollTimer?.cancel()
            return
        case .consumer(let consumer):
            link = consumer
        }
        link.consumer.close()
        switch link.lifetime {
        case .permanent:
            break
        case .deleteWithLink:
            try? self.broker.deleteQueue(named: link.queue.name)
        case .durableSubscription:
            if closed { try? self.broker.deleteQueue(named: link.queue.name) }
        }
    }

    // MARK: Browsing

    /// How often a browser that has seen the whole queue and still has credit looks for new messages.
    static let browsePollInterval = TimeAmount.milliseconds(200)

    /// Runs one event of a browsing link's cursor and performs its actions.
    private func browse(_ linkID: AMQPLinkID, _ event: (inout AMQPBrowserStateMachine) -> [AMQPBrowserStateMachine.Action]) {
        guard case .browser(var link) = self.links[linkID], let handler = self.loopBound else { return }
        let actions = event(&link.cursor)
        for action in actions {
            switch action {
            case .readPage(let after, let limit):
                let queue = link.queue
                // Pages come from the store: read them off the event loop.
                NIOThreadPool.singleton.runIfActive(eventLoop: handler.eventLoop) {
                    try queue.browse(limit: limit, after: after)
                }.whenComplete { result in
                    handler.value.browsePageRead(linkID, result, limit: limit)
                }
            case .deliver(let deliveries):
                // Queued like a queue's deliveries, so the machine is never re-entered mid-action.
                handler.eventLoop.execute { handler.value.deliveriesArrived(linkID, deliveries) }
            case .reportDrained:
                handler.eventLoop.execute { handler.value.drainCompleted(linkID) }
            case .schedulePoll:
                link.pollTimer = handler.eventLoop.scheduleTask(in: Self.browsePollInterval) {
                    handler.value.browsePollTimerFired(linkID)
                }
            }
        }
        self.links[linkID] = .browser(link)
    }

    private func browsePageRead(_ linkID: AMQPLinkID, _ result: Result<[Delivery], any Error>, limit: Int) {
        switch result {
        case .success(let page):
            let now = self.broker.clock.now()
            self.browse(linkID) { $0.pageRead(page, limit: limit, now: now) }
        case .failure(let error):
            self.logger.debug("amqp browse read failed", metadata: [AMQPLogKey.link: "\(linkID)", AMQPLogKey.error: "\(error)"])
            self.browse(linkID) { $0.pageReadFailed() }
        }
    }

    private func browsePollTimerFired(_ linkID: AMQPLinkID) {
        self.browse(linkID) { $0.pollTimerFired() }
    }

    // MARK: Writing

    private func addDisposition(channel: UInt16, role: AMQPRole, deliveryID: UInt32, settled: Bool, state: AMQPDeliveryState?) {
        if var last = self.pendingDispositions.last, last.channel == channel, last.role == role, last.settled == settled,
            last.state == state, last.last &+ 1 == deliveryID
        {
            last.last = deliveryID
            self.pendingDispositions[self.pendingDispositions.count - 1] = last
            return
        }
        self.pendingDispositions.append(PendingDisposition(channel: channel, role: role, first: deliveryID, last: deliveryID, settled: settled, state: state))
    }

    private func scheduleFlush() {
        guard !self.flushScheduled, let handler = self.loopBound else { return }
        self.flushScheduled = true
        // Runs after the callbacks already queued on the loop, so their writes share one flush.
        handler.eventLoop.execute { handler.value.flush() }
    }

    /// Hands the traffic counted since the last report to the registry (once per flush).
    private func reportTraffic() {
        guard let id = self.connectionID, self.messagesIn != 0 || self.messagesOut != 0 else { return }
        self.connections.countTraffic(id, messagesIn: self.messagesIn, messagesOut: self.messagesOut)
        self.messagesIn = 0
        self.messagesOut = 0
    }

    private func flush() {
        self.flushScheduled = false
        for pending in self.pendingDispositions {
            let disposition = AMQPDisposition(
                role: pending.role,
                first: pending.first,
                last: pending.last == pending.first ? nil : pending.last,
                settled: pending.settled,
                state: pending.state
            )
            self.outbound.writeAMQPFrame(channel: pending.channel, performative: .disposition(disposition))
        }
        self.pendingDispositions.removeAll(keepingCapacity: true)
        self.reportTraffic()
        guard let context = self.context else { return }
        if self.outbound.readableBytes > 0 {
            self.wroteSinceHeartbeat = true
            let bytes = self.outbound
            self.outbound = ByteBuffer()
            if self.closeAfterFlush {
                let channel = context.channel
                context.writeAndFlush(self.wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
                self.closeAfterFlush = false
                return
            }
            context.writeAndFlush(self.wrapOutboundOut(bytes), promise: nil)
        } else if self.closeAfterFlush {
            self.closeAfterFlush = false
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension AMQPChannelHandler: Sendable {}
