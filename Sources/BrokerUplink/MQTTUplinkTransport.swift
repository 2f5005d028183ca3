import BrokerCore
import BrokerStore
import Logging
import MQTTCodec
import MessageMapping
import NIOCore
import NIOPosix

/// Forwards over MQTT 3.1.1 at QoS 1 to any MQTT broker (mosquitto, RabbitMQ's MQTT
/// plugin, a cloud IoT hub). The remote address becomes the topic; the payload is the
/// message's payload as MQTT subscribers of the same address would see it.
public struct MQTTUplinkTransport: UplinkTransport {
    let clock: any BrokerClock
    let keepAliveSeconds: UInt16

    public init(clock: any BrokerClock = SystemClock(), keepAliveSeconds: UInt16 = 30) {
        self.clock = clock
        self.keepAliveSeconds = keepAliveSeconds
    }

    public func connect(
        settings: UplinkSettings,
        on eventLoop: any EventLoop,
        events: any UplinkConnectionEvents
    ) -> EventLoopFuture<any UplinkConnection> {
        let connected = eventLoop.makePromise(of: (any UplinkConnection).self)
        let machine = MQTTUplinkClientStateMachine(
            clientID: "outpost-\(settings.nodeID)-\(settings.name)",
            username: settings.username,
            password: settings.password,
            keepAliveSeconds: self.keepAliveSeconds,
            receiveRules: settings.receive.map { (filter: $0.from, localAddress: $0.to) }
        )
        let clock = self.clock
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = MQTTUplinkChannelHandler(machine: machine, clock: clock, events: events, connected: connected)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: settings.host, port: settings.port)
            .whenFailure { error in connected.fail(UplinkError("cannot reach \(settings.host):\(settings.port): \(error)")) }
        return connected.futureResult
    }
}

/// The channel handler of an MQTT uplink connection: feeds packets to the client state
/// machine and runs its actions. Lives on the uplink's event loop.
final class MQTTUplinkChannelHandler: ChannelInboundHandler, UplinkConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only (the uplink
    // connects on its own loop, so `send`/`close` arrive there too).
    typealias InboundIn = ByteBuffer

    private var machine: MQTTUplinkClientStateMachine
    /// Decodes in the handler, as the server's `MQTTChannelHandler` does (no `NIOAny` per packet).
    private let decoder = NIOSingleStepByteToMessageProcessor(MQTTPacketDecoder(protocolVersion: .v3_1_1))
    /// Set by a malformed packet: the connection is closing, and nothing read after it is decoded.
    private var decodingStopped = false
    private let clock: any BrokerClock
    private let events: any UplinkConnectionEvents
    private var connected: EventLoopPromise<any UplinkConnection>?
    private var context: ChannelHandlerContext?
    private var keepAliveTask: RepeatedTask?
    private var closeReason: String?

    init(
        machine: MQTTUplinkClientStateMachine,
        clock: any BrokerClock,
        events: any UplinkConnectionEvents,
        connected: EventLoopPromise<any UplinkConnection>
    ) {
        self.machine = machine
        self.clock = clock
        self.events = events
        self.connected = connected
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil  // the context holds this handler: kept, the two would outlive the connection
    }

    func channelActive(context: ChannelHandlerContext) {
        self.run(self.machine.channelActive(now: self.clock.now()), context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.decodingStopped else { return }
        do {
            try self.decoder.process(buffer: self.unwrapInboundIn(data)) { packet in
                self.run(self.machine.packetReceived(packet, now: self.clock.now()), context: context)
            }
        } catch {
            self.decodingStopped = true
            self.errorCaught(context: context, error: error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.keepAliveTask?.cancel()
        self.run(self.machine.channelInactive(), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.closeReason = "\(error)"
        context.close(promise: nil)
    }

    // MARK: UplinkConnection

    func send(_ delivery: Delivery, remoteAddress: String, stableID: String) {
        guard let context = self.context else {
            self.events.outcome(of: delivery.key, .notTaken)
            return
        }
        let payload = MessageMapping.mqttBody(for: delivery.message).payload
        self.run(self.machine.publishRequested(delivery.key, topic: remoteAddress, payload: payload), context: context)
        context.flush()
    }

    func close() {
        self.context?.close(promise: nil)
    }

    func acknowledgeInbound(_ receipt: UplinkInboundReceipt) {
        guard case .mqtt(let identifier) = receipt, let context = self.context else { return }
        self.run(self.machine.inboundStored(packetIdentifier: identifier), context: context)
    }

    // MARK: Actions

    private func run(_ action: MQTTUplinkClientStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .write(let packet):
            var buffer = context.channel.allocator.buffer(capacity: 64)
            do {
                try packet.encode(into: &buffer, version: .v3_1_1)
                context.writeAndFlush(NIOAny(buffer), promise: nil)
            } catch {
                self.closeReason = "cannot encode \(packet.packetType): \(error)"
                context.close(promise: nil)
            }
        case .connected:
            let interval = TimeAmount.milliseconds(Int64(self.machine.keepAliveSeconds) * 500)
            self.keepAliveTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
                guard let self, let context = self.context else { return }
                self.run(self.machine.keepAliveTick(now: self.clock.now()), context: context)
            }
            self.connected?.succeed(self)
            self.connected = nil
            self.run(self.machine.subscribeReceiveRules(), context: context)
        case .deliverInbound(let publish, let localAddress):
            var body = MQTTStoredBody(publish: publish, publisherClientID: nil)
            // Retained on the peer says nothing about this node's retained store.
            body.retain = false
            let message = IncomingMessage(
                address: localAddress,
                isDurable: publish.qos != .atMostOnce,
                origin: .mqtt,
                body: body.encoded()
            )
            let receipt = publish.packetIdentifier.map { UplinkInboundReceipt.mqtt(packetIdentifier: $0) }
            self.events.inboundArrived(message, receipt: publish.qos == .atMostOnce ? nil : receipt, on: self)
        case .reportProblem(let problem):
            self.events.problemReported(problem)
        case .connectFailed(let reason):
            self.connected?.fail(UplinkError(reason))
            self.connected = nil
            context.close(promise: nil)
        case .outcome(let key, let outcome):
            self.events.outcome(of: key, outcome)
        case .close(let reason):
            self.closeReason = reason
            if self.connected == nil {
                self.events.connectionClosed(error: reason)
            } else {
                self.connected?.fail(UplinkError(reason))
                self.connected = nil
            }
            context.close(promise: nil)
        case .none:
            break
        }
    }
}
