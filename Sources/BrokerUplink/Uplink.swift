import BrokerCore
import BrokerStore
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One uplink: a consumer on its durable forwarding queue, a connection to the cloud
/// peer through a transport, and the state machine between them. Everything runs on
/// one event loop; broker callbacks hop onto it.
public final class Uplink: @unchecked Sendable, ConsumerDelegate, UplinkConnectionEvents {
    // @unchecked: every mutable property is touched only on `eventLoop`.

    public let settings: UplinkSettings
    private let broker: Broker
    private let transport: any UplinkTransport
    private let eventLoop: any EventLoop
    private let logger: Logger
    private var machine: UplinkStateMachine
    private var consumer: Consumer?
    private var forwardingQueue: Queue?
    private var deadLetterQueue: Queue?
    private var connection: (any UplinkConnection)?
    private var reconnectTask: Scheduled<Void>?
    private var sendRetryTask: Scheduled<Void>?
    /// Messages stored from the peer by the receive rules.
    private var receivedTotal = 0
    /// The last problem with the receive rules (refused subscription, local store refusal).
    private var receiveError: String?
    /// Accepted counts per second over the last minute, for the upload rate.
    private var acceptedSamples: [(second: Int64, count: Int)] = []
    /// Acknowledgments and credit not yet handed to the forwarding queue (see UplinkSettlementBatch).
    private var settlements = UplinkSettlementBatch()
    private var settlementFlushScheduled = false
    /// `remote-address` parsed once; rendered for every message sent.
    private let remoteAddressTemplate: RemoteAddressTemplate
    /// "node-id:", the stable id of a message without its store id.
    private let stableIDPrefix: String

    public init(settings: UplinkSettings, broker: Broker, transport: any UplinkTransport, eventLoop: any EventLoop, logger: Logger) {
        self.settings = settings
        self.broker = broker
        self.transport = transport
        self.eventLoop = eventLoop
        self.logger = logger
        self.remoteAddressTemplate = settings.remoteAddressTemplate
        self.stableIDPrefix = settings.nodeID + ":"
        self.machine = UplinkStateMachine(
            window: settings.window,
            backoff: ReconnectBackoff(initialDelay: settings.reconnectInitialDelay, maximumDelay: settings.reconnectMaxDelay),
            bandwidthLimit: settings.bandwidthLimit,
            now: broker.clock.now()
        )
    }

    /// Creates the forwarding queue (durable, bound to every `forward` pattern) and the
    /// dead-letter queue, then starts connecting. Messages that arrive before the first
    /// connection are kept in the forwarding queue.
    public func start() throws {
        guard let first = self.settings.forward.first else {
            throw UplinkError("uplink '\(self.settings.name)' forwards nothing: set `forward`")
        }
        let queue = try self.broker.createQueue(
            name: self.settings.forwardingQueueName,
            address: self.settings.forwardingQueueName,
            routingType: .multicast,
            isDurable: true,
            filter: first,
            additionalBindings: Array(self.settings.forward.dropFirst())
        )
        self.forwardingQueue = queue
        self.deadLetterQueue = try self.broker.anycastQueue(for: self.settings.deadLetterQueueName)
        self.consumer = queue.addConsumer(delegate: self, credit: 0)
        self.eventLoop.execute { self.run(self.machine.started()) }
    }

    public func stop() -> EventLoopFuture<Void> {
        self.eventLoop.submit {
            self.run(self.machine.stopRequested())
            // Acknowledgments still gathered must not come back as redeliveries when the consumer closes.
            self.flushSettlements()
            self.consumer?.close()
            self.consumer = nil
        }
    }

    public func flush() { self.eventLoop.execute { self.run(self.machine.flushRequested()) } }
    public func pause() { self.eventLoop.execute { self.run(self.machine.pauseRequested()) } }
    public func resume() { self.eventLoop.execute { self.run(self.machine.resumeRequested()) } }

    public func status() -> EventLoopFuture<UplinkStatus> {
        self.eventLoop.submit { self.currentStatus() }
    }

    // MARK: Events

    public func deliver(_ deliveries: [Delivery]) {
        self.eventLoop.execute {
            self.run(self.machine.deliveriesArrived(deliveries, now: self.broker.clock.now()))
        }
    }

    public func outcome(of key: EntryKey, _ outcome: RemoteOutcome) {
        self.eventLoop.assertInEventLoop()
        if case .accepted = outcome { self.countAccepted() }
        self.run(self.machine.outcomeReceived(key, outcome))
    }

    public func inboundArrived(_ message: IncomingMessage, receipt: UplinkInboundReceipt?, on connection: any UplinkConnection) {
        self.eventLoop.assertInEventLoop()
        // MQTT arrivals land on topics (multicast), as MQTT publishes do; AMQP ones like an
        // AMQP sender without capabilities (anycast) unless the address already exists.
        let routing: AddressRecord.RoutingTypes = message.origin == .mqtt ? .multicast : .anycast
        self.broker.publish(message, autoCreateAs: routing) { result in
            self.eventLoop.execute {
                switch result {
                case .success:
                    self.receivedTotal += 1
                    if let receipt { connection.acknowledgeInbound(receipt) }
                case .failure(let error):
                    // Not acknowledged: the peer keeps it. Reconnecting makes the peer send it
                    // again (after the backoff), when the local problem may have cleared.
                    self.logger.warning(
                        "uplink cannot store a message from the peer",
                        metadata: ["outpost.uplink": "\(self.settings.name)", "outpost.address": "\(message.address)", "outpost.error": "\(error)"]
                    )
                    self.receiveError = "cannot store a message for '\(message.address)': \(error)"
                    if receipt != nil { connection.close() }
                }
            }
        }
    }

    public func problemReported(_ problem: String) {
        self.eventLoop.assertInEventLoop()
        self.receiveError = problem
        self.logger.warning("uplink problem", metadata: ["outpost.uplink": "\(self.settings.name)", "outpost.error": "\(problem)"])
    }

    public func connectionClosed(error: String) {
        self.eventLoop.assertInEventLoop()
        self.connection = nil
        self.logger.info("uplink disconnected", metadata: ["outpost.uplink": "\(self.settings.name)", "outpost.error": "\(error)"])
        self.run(self.machine.connectionLost(error: error, random: { Double.random(in: 0..<1) }))
    }

    // MARK: Actions

    private func run(_ actions: [UplinkStateMachine.Action]) {
        for action in actions {
            if self.settlements.gather(action) {
                self.scheduleSettlementFlush()
                continue
            }
            // Whatever was gathered reaches the queue before this action (order as decided).
            self.flushSettlements()
            self.perform(action)
        }
    }

    /// Hands gathered settlements to the queue after the current event-loop task, that is
    /// after every outcome of the read that produced them.
    private func scheduleSettlementFlush() {
        guard !self.settlementFlushScheduled else { return }
        self.settlementFlushScheduled = true
        self.eventLoop.execute {
            self.settlementFlushScheduled = false
            self.flushSettlements()
        }
    }

    private func flushSettlements() {
        guard !self.settlements.isEmpty else { return }
        let (acknowledged, credit) = self.settlements.take()
        self.consumer?.settle(acknowledging: acknowledged, addingCredit: credit)
    }

    private func perform(_ action: UplinkStateMachine.Action) {
        switch action {
        case .connect:
            self.connect()
        case .scheduleReconnect(let delay):
            self.reconnectTask?.cancel()
            self.reconnectTask = self.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.components.seconds) * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)) {
                self.run(self.machine.reconnectTimerFired())
            }
        case .cancelReconnect:
            self.reconnectTask?.cancel()
            self.reconnectTask = nil
        case .disconnect:
            self.connection?.close()
            self.connection = nil
        case .setConsumerCredit(let credit):
            self.consumer?.setCredit(credit)
        case .addConsumerCredit(let credit):
            self.consumer?.addCredit(credit)
        case .send(let delivery):
            self.connection?.send(
                delivery,
                remoteAddress: self.remoteAddressTemplate.render(localAddress: delivery.message.address),
                stableID: self.stableIDPrefix + String(delivery.message.id.rawValue)
            )
        case .scheduleSendRetry(let milliseconds):
            self.sendRetryTask = self.eventLoop.scheduleTask(in: .milliseconds(milliseconds)) {
                self.run(self.machine.sendRetryTimerFired(now: self.broker.clock.now()))
            }
        case .acknowledge(let keys):
            self.consumer?.acknowledge(keys)
        case .release(let keys):
            for key in keys { self.consumer?.release(key, countAttempt: false) }
        case .deadLetter(let delivery, let reason):
            self.deadLetter(delivery, reason: reason)
        }
    }

    private func connect() {
        self.logger.debug("uplink connecting", metadata: ["outpost.uplink": "\(self.settings.name)"])
        self.transport.connect(settings: self.settings, on: self.eventLoop, events: self).whenComplete { result in
            switch result {
            case .success(let connection):
                self.connection = connection
                self.logger.info("uplink connected", metadata: ["outpost.uplink": "\(self.settings.name)"])
                self.run(self.machine.connectSucceeded(now: self.broker.clock.now()))
            case .failure(let error):
                self.run(self.machine.connectFailed(error: "\(error)", random: { Double.random(in: 0..<1) }))
            }
        }
    }

    /// Moves a message the peer refused into the uplink's dead-letter queue (a copy with
    /// the reason logged), then removes it from the forwarding queue.
    private func deadLetter(_ delivery: Delivery, reason: String) {
        self.logger.warning(
            "uplink peer rejected a message",
            metadata: ["outpost.uplink": "\(self.settings.name)", "outpost.message": "\(delivery.message.id)", "outpost.reason": "\(reason)"]
        )
        let message = IncomingMessage(
            address: self.settings.deadLetterQueueName,
            priority: delivery.message.priority,
            isDurable: true,
            expiration: delivery.message.expiration,
            origin: delivery.message.origin,
            body: delivery.message.body
        )
        let consumer = self.consumer
        let key = delivery.key
        self.broker.publish(message) { result in
            // Only once the copy is durable does the original go.
            if case .success = result { consumer?.acknowledge(key) } else { consumer?.release(key, countAttempt: false) }
        }
    }

    private func countAccepted() {
        let second = self.broker.clock.now() / 1000
        if let last = self.acceptedSamples.last, last.second == second {
            self.acceptedSamples[self.acceptedSamples.count - 1].count += 1
        } else {
            // Trimmed once per second rather than per message.
            self.acceptedSamples.removeAll { $0.second < second - 60 }
            self.acceptedSamples.append((second, 1))
        }
    }

    private func currentStatus() -> UplinkStatus {
        let now = self.broker.clock.now()
        let statistics = self.forwardingQueue?.statistics
        let windowStart = now / 1000 - 60
        let recent = self.acceptedSamples.filter { $0.second >= windowStart }.reduce(0) { $0 + $1.count }
        // Over the last minute, or since the connection was made if that is sooner, so the
        // rate (and the drain estimate) is right seconds after a reconnect, not a minute.
        var seconds = 60.0
        if case .connected(let since) = self.machine.state {
            seconds = min(60, max(1, Double(now - since) / 1000))
        }
        let rate = Double(recent) / seconds
        let backlog = statistics?.messageCount ?? 0
        let oldest = self.forwardingQueue?.oldestMessageCreationTime
        let stateName: String
        var since: Int64?
        switch self.machine.state {
        case .idle: stateName = "idle"
        case .connecting: stateName = "connecting"
        case .connected(let connectedSince):
            stateName = "connected"
            since = connectedSince
        case .waitingToReconnect: stateName = "waiting-to-reconnect"
        case .paused: stateName = "paused"
        case .stopped: stateName = "stopped"
        }
        return UplinkStatus(
            name: self.settings.name,
            url: "\(self.settings.scheme.rawValue)://\(self.settings.host):\(self.settings.port)",
            state: stateName,
            connected: since != nil,
            connectedSince: since,
            lastError: self.machine.lastError,
            backlogMessages: backlog,
            backlogBytes: statistics?.byteCount ?? 0,
            oldestMessageAge: oldest.map { now - $0 },
            inFlight: self.machine.inFlight.count,
            forwardedTotal: self.machine.acceptedTotal,
            rejectedTotal: self.machine.rejectedTotal,
            receivedTotal: self.receivedTotal,
            lastReceiveError: self.receiveError,
            uploadRate: rate,
            estimatedDrainSeconds: rate > 0 ? Double(backlog) / rate : nil
        )
    }
}
