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
public struct AMQPUplinkTransport: UplinkTransport {
    let idleTimeOut: UInt32

    /// `idleTimeOut` in ms: advertised to the peer; silence that long closes the connection.
    public init(idleTimeOut: UInt32 = 60_000) {
        self.idleTimeOut = idleTimeOut
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
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = AMQPUplinkConnection(events: events, connected: connected)
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
    var handler: AMQPClientChannelHandler?
    private let events: any UplinkConnectionEvents
    private var connected: EventLoopPromise<any UplinkConnection>?
    private var keys: [UInt64: EntryKey] = [:]
    private var nextTag: UInt64 = 0

    init(events: any UplinkConnectionEvents, connected: EventLoopPromise<any UplinkConnection>) {
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

    func amqpClientOpened() {
        self.connected?.succeed(self)
        self.connected = nil
    }

    func amqpClientOutcome(tag: UInt64, state: AMQPDeliveryState) {
        guard let key = self.keys.removeValue(forKey: tag) else { return }
        self.events.outcome(of: key, Self.outcome(state))
    }

    func amqpClientReceived(address: String, deliveryID: UInt32, message: ByteBuffer) {}

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
