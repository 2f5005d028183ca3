import AMQPCodec
import AMQPEngine
import BrokerCore
import BrokerStore
import NIOCore
import NIOPosix

/// Forwards over AMQP 1.0 to any AMQP peer (another Outpost, RabbitMQ 4, Artemis, Qpid, a
/// cloud service): one connection, one session, one sender link per remote address, unsettled
/// transfers whose dispositions are the peer's verdict (accepted / rejected → dead-letter /
/// released or modified → sent again later). Messages carry `_AMQ_DUPL_ID` = stable id.
///
/// Receive rules attach one receiver link per remote source; an arrival is accepted only
/// after the uplink stored it locally, and credit is granted again as arrivals are stored.
public struct AMQPUplinkTransport: UplinkTransport {
    let idleTimeOut: UInt32
    let clock: any BrokerClock

    /// `idleTimeOut` in ms: advertised to the peer; silence that long closes the connection.
    public init(idleTimeOut: UInt32 = 60_000, clock: any BrokerClock = SystemClock()) {
        self.idleTimeOut = idleTimeOut
        self.clock = clock
    }

    public func connect(
        settings: UplinkSettings,
        on eventLoop: any EventLoop,
        events: any UplinkConnectionEvents
    ) -> EventLoopFuture<any UplinkConnection> {
        let connected = eventLoop.makePromise(of: (any UplinkConnection).self)
        let configuration = AMQPClientConnectionStateMachine.Configuration(
            containerID: "outpost-\(settings.nodeID)",
            hostname: settings.host,
            username: settings.username,
            password: settings.password,
            idleTimeOut: self.idleTimeOut
        )
        let clock = self.clock
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = AMQPUplinkConnection(
                        receiveRules: settings.receive.map { AMQPUplinkConnection.ReceiveRule(source: $0.from, localAddress: $0.to) },
                        receiveCredit: UInt32(settings.window),
                        clock: clock,
                        events: events,
                        connected: connected
                    )
                    let handler = AMQPClientChannelHandler(configuration: configuration, delegate: connection)
                    connection.handler = handler
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: settings.host, port: settings.port)
            .whenFailure { error in connected.fail(UplinkError("cannot reach \(settings.host):\(settings.port): \(error)")) }
        return connected.futureResult
    }
}

/// One uplink connection: maps the uplink's entry keys to delivery tags and the peer's
/// outcomes back. Lives on the uplink's event loop (the connection was made there).
final class AMQPUplinkConnection: UplinkConnection, AMQPClientDelegate, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only.

    /// A cloud-to-edge rule: the peer's source address and where arrivals go locally.
    struct ReceiveRule {
        var source: String
        var localAddress: String
    }

    /// One receiver link of a receive rule and the credit it has used since the last flow.
    private struct Receiver {
        var rule: ReceiveRule
        var handle: UInt32
        var storedSinceFlow: UInt32 = 0
    }

    var handler: AMQPClientChannelHandler?
    private let events: any UplinkConnectionEvents
    private let receiveRules: [ReceiveRule]
    private let receiveCredit: UInt32
    private let clock: any BrokerClock
    private var connected: EventLoopPromise<any UplinkConnection>?
    private var keys: [UInt64: EntryKey] = [:]
    private var nextTag: UInt64 = 0
    /// Receivers by remote source address (the address the client state machine reports).
    private var receivers: [String: Receiver] = [:]

    init(
        receiveRules: [ReceiveRule],
        receiveCredit: UInt32,
        clock: any BrokerClock,
        events: any UplinkConnectionEvents,
        connected: EventLoopPromise<any UplinkConnection>
    ) {
        self.receiveRules = receiveRules
        self.receiveCredit = max(1, receiveCredit)
        self.clock = clock
        self.events = events
        self.connected = connected
    }

    func send(_ delivery: Delivery, remoteAddress: String, stableID: String) {
        guard let handler = self.handler else {
            self.events.outcome(of: delivery.key, .notTaken)
            return
        }
        let tag = self.nextTag
        self.nextTag &+= 1
        self.keys[tag] = delivery.key
        handler.send(address: remoteAddress, tag: tag, message: AMQPUplinkMessage.encode(delivery.message, stableID: stableID))
    }

    func close() {
        self.handler?.close()
    }

    func acknowledgeInbound(_ receipt: UplinkInboundReceipt) {
        guard case .amqp(let handle, let deliveryID) = receipt, let handler = self.handler else { return }
        handler.accept(deliveryID: deliveryID)
        self.replenishCredit(handle: handle)
    }

    func amqpClientOpened() {
        self.connected?.succeed(self)
        self.connected = nil
        guard let handler = self.handler else { return }
        for rule in self.receiveRules where self.receivers[rule.source] == nil {
            let handle = handler.attachReceiver(address: rule.source, credit: self.receiveCredit)
            self.receivers[rule.source] = Receiver(rule: rule, handle: handle)
        }
    }

    func amqpClientOutcome(tag: UInt64, state: AMQPDeliveryState) {
        guard let key = self.keys.removeValue(forKey: tag) else { return }
        self.events.outcome(of: key, Self.outcome(state))
    }

    func amqpClientReceived(address: String, deliveryID: UInt32, message: ByteBuffer) {
        guard let receiver = self.receivers[address], let handler = self.handler else { return }
        let incoming: IncomingMessage
        do {
            incoming = try AMQPMessageMapping.incomingMessage(payload: message, linkAddress: receiver.rule.localAddress, now: self.clock.now())
        } catch {
            // A message that cannot be parsed will never store: refuse it rather than retry forever.
            let reason = (error as? AMQPMessageMapping.MappingError)?.error ?? AMQPError(condition: .decodeError, description: "\(error)")
            handler.settle(deliveryID: deliveryID, outcome: .rejected(AMQPRejected(error: reason)))
            self.replenishCredit(handle: receiver.handle)
            self.events.problemReported("refused a message from '\(address)': \(reason.description ?? reason.condition.rawValue)")
            return
        }
        var durable = incoming
        // The peer forgets the message once we accept it, so it must be on disk by then.
        durable.isDurable = true
        self.events.inboundArrived(durable, receipt: .amqp(linkHandle: receiver.handle, deliveryID: deliveryID), on: self)
    }

    /// Grants credit again in batches of half the window, so a steady stream costs one flow
    /// frame per half window rather than one per message.
    private func replenishCredit(handle: UInt32) {
        guard let source = self.receivers.first(where: { $0.value.handle == handle })?.key, var receiver = self.receivers[source] else { return }
        receiver.storedSinceFlow += 1
        if receiver.storedSinceFlow >= max(1, self.receiveCredit / 2) {
            self.handler?.addCredit(handle: handle, receiver.storedSinceFlow)
            receiver.storedSinceFlow = 0
        }
        self.receivers[source] = receiver
    }

    func amqpClientClosed(error: String) {
        self.handler = nil
        self.keys.removeAll()
        if let connected = self.connected {
            self.connected = nil
            connected.fail(UplinkError(error))
        } else {
            self.events.connectionClosed(error: error)
        }
    }

    static func outcome(_ state: AMQPDeliveryState) -> RemoteOutcome {
        switch state {
        case .accepted:
            return .accepted
        case .rejected(let rejected):
            guard let error = rejected.error else { return .rejected(reason: "rejected by the AMQP peer") }
            if let description = error.description, !description.isEmpty { return .rejected(reason: "\(error.condition.rawValue): \(description)") }
            return .rejected(reason: error.condition.rawValue)
        default:
            return .notTaken
        }
    }
}
