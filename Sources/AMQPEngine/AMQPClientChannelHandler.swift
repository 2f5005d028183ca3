import AMQPCodec
import NIOCore

/// What an AMQP client connection reports (on its event loop).
public protocol AMQPClientDelegate: AnyObject {
    /// The connection and session are open; sends flow from now on (they may be queued earlier).
    func amqpClientOpened()
    /// The peer's outcome for the message sent with `tag`.
    func amqpClientOutcome(tag: UInt64, state: AMQPDeliveryState)
    /// A complete message on a receiver link.
    func amqpClientReceived(address: String, deliveryID: UInt32, message: ByteBuffer)
    /// The connection is over, with the reason; reported once.
    func amqpClientClosed(error: String)
}

/// The thin interpreter between a socket and `AMQPClientConnectionStateMachine`: decodes frames,
/// runs the machine, writes its frames, keeps heartbeats (half the peer's idle-time-out) and our
/// own idle-time-out. All calls on the channel's event loop.
public final class AMQPClientChannelHandler: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private var machine: AMQPClientConnectionStateMachine
    private var decoder: AMQPFrameDecoder
    private var inbound: ByteBuffer?
    private var outbound = ByteBuffer()
    private var context: ChannelHandlerContext?
    private var heartbeatTask: RepeatedTask?
    private var idleTask: RepeatedTask?
    private var readSinceIdleCheck = true
    private var silentIdleChecks = 0
    private var closeTimeout: Scheduled<Void>?
    private var reportedClosed = false
    public var delegate: (any AMQPClientDelegate)?

    public init(configuration: AMQPClientConnectionStateMachine.Configuration, delegate: (any AMQPClientDelegate)? = nil) {
        self.machine = AMQPClientConnectionStateMachine(configuration: configuration)
        self.decoder = AMQPFrameDecoder(maximumFrameSize: max(512, configuration.maxFrameSize))
        self.delegate = delegate
    }

    /// The most an outbound buffer starts with (see `flushOutbound`).
    static let largestInitialOutbound = 4 << 20

    public var isOpen: Bool { self.machine.isOpen }
    public var unsettledCount: Int { self.machine.unsettledCount }

    // MARK: Channel events

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { self.start(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        self.run(self.machine.channelActive())
        let idle = Int64(self.machine.configuration.idleTimeOut)
        if idle > 0, self.idleTask == nil {
            let interval = TimeAmount.milliseconds(max(1, idle / 2))
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            self.idleTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                bound.value.idleCheck()
            }
        }
        self.flushOutbound()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        self.heartbeatTask?.cancel()
        self.idleTask?.cancel()
        self.closeTimeout?.cancel()
        self.run(self.machine.channelInactive())
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        self.readSinceIdleCheck = true
        if self.machine.isClosed { return }
        if self.inbound == nil || self.inbound?.readableBytes == 0 {
            self.inbound = bytes
        } else {
            self.inbound?.writeBuffer(&bytes)
        }
        while !self.machine.isClosed, var buffer = self.inbound, buffer.readableBytes > 0 {
            self.inbound = nil
            let unit: AMQPInbound?
            do {
                unit = try self.decoder.decode(buffer: &buffer)
            } catch {
                self.run(self.machine.decodingFailed(error))
                return
            }
            self.inbound = buffer
            guard let unit else { break }
            self.run(self.machine.received(unit))
        }
        if let buffer = self.inbound, buffer.readerIndex > 64 * 1024, buffer.readableBytes < buffer.readerIndex {
            self.inbound?.discardReadBytes()
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        self.flushOutbound()
        context.fireChannelReadComplete()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.run(self.machine.connectionFailed("connection to the AMQP peer failed: \(error)"))
    }

    // MARK: API (on the event loop)

    public func send(address: String, tag: UInt64, message: ByteBuffer) {
        self.run(self.machine.send(address: address, tag: tag, message: message))
        self.flushOutbound()
    }

    @discardableResult
    public func attachReceiver(address: String, credit: UInt32) -> UInt32 {
        let (handle, actions) = self.machine.attachReceiver(address: address, credit: credit)
        self.run(actions)
        self.flushOutbound()
        return handle
    }

    public func addCredit(handle: UInt32, _ credit: UInt32) {
        self.run(self.machine.addCredit(handle: handle, credit))
        self.flushOutbound()
    }

    public func accept(deliveryID: UInt32) {
        self.settle(deliveryID: deliveryID, outcome: .accepted)
    }

    public func settle(deliveryID: UInt32, outcome: AMQPDeliveryState) {
        self.run(self.machine.settle(deliveryID: deliveryID, outcome: outcome))
        self.flushOutbound()
    }

    /// Closes in order: our close frame, the peer's reply (at most 2 s), then the socket.
    public func close() {
        self.run(self.machine.close())
        self.flushOutbound()
        guard let context = self.context else { return }
        if self.closeTimeout == nil {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            self.closeTimeout = context.eventLoop.scheduleTask(in: .seconds(2)) {
                bound.value.context?.close(promise: nil)
            }
        }
    }

    // MARK: Actions

    private func run(_ actions: [AMQPClientConnectionStateMachine.Action]) {
        for action in actions {
            switch action {
            case .write(let unit):
                self.outbound.writeAMQPInbound(unit)
            case .opened:
                self.delegate?.amqpClientOpened()
            case .startHeartbeats(let milliseconds):
                guard let context = self.context, self.heartbeatTask == nil, milliseconds > 0 else { break }
                let interval = TimeAmount.milliseconds(milliseconds)
                let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
                self.heartbeatTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                    let handler = bound.value
                    guard !handler.machine.isClosed else { return }
                    handler.outbound.writeAMQPHeartbeat()
                    handler.flushOutbound()
                }
            case .outcome(let tag, let state):
                self.delegate?.amqpClientOutcome(tag: tag, state: state)
            case .message(let address, let deliveryID, let message):
                self.delegate?.amqpClientReceived(address: address, deliveryID: deliveryID, message: message)
            case .closed(let reason):
                self.flushOutbound()
                self.heartbeatTask?.cancel()
                self.idleTask?.cancel()
                self.context?.close(promise: nil)
                if !self.reportedClosed {
                    self.reportedClosed = true
                    let delegate = self.delegate
                    self.delegate = nil
                    delegate?.amqpClientClosed(error: reason)
                }
            }
        }
    }

    private func flushOutbound() {
        guard self.outbound.readableBytes > 0, let context = self.context else { return }
        let bytes = self.outbound
        // The next batch is likely the size of this one (an uplink's window of transfers): start
        // there instead of at 1 KiB, since each doubling on the way copies what was written.
        self.outbound = context.channel.allocator.buffer(capacity: min(max(1024, bytes.readableBytes), Self.largestInitialOutbound))
        context.writeAndFlush(NIOAny(bytes), promise: nil)
    }

    private func idleCheck() {
        if self.readSinceIdleCheck {
            self.readSinceIdleCheck = false
            self.silentIdleChecks = 0
            return
        }
        self.silentIdleChecks += 1
        if self.silentIdleChecks >= 2 {
            let idle = self.machine.configuration.idleTimeOut
            self.run(self.machine.connectionFailed("the AMQP peer sent nothing for \(idle) ms (idle-time-out)"))
        }
    }
}

@available(*, unavailable)
extension AMQPClientChannelHandler: Sendable {}
