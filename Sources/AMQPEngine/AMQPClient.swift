import AMQPCodec
import NIOCore
import NIOPosix

/// A small async AMQP 1.0 client for tools (`outpost send` / `outpost receive`): one connection,
/// sender links that wait for the peer's outcomes, receiver links that accept after the caller
/// has handled each message.
public final class AMQPClient: AMQPClientDelegate, @unchecked Sendable {
    // @unchecked: mutable state is touched on `eventLoop` only.
    public enum Event: Sendable {
        case message(deliveryID: UInt32, message: ByteBuffer)
        case closed(String)
    }

    public let eventLoop: any EventLoop
    private var handler: AMQPClientChannelHandler?
    private var opened: EventLoopPromise<Void>?
    private var closed: EventLoopPromise<Void>
    private var closeReason: String?
    private var waiting: [UInt64: EventLoopPromise<AMQPDeliveryState>] = [:]
    private var nextTag: UInt64 = 0
    private var continuation: AsyncStream<Event>.Continuation?

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.opened = eventLoop.makePromise()
        self.closed = eventLoop.makePromise()
    }

    /// Connects, authenticates (PLAIN with a username, else ANONYMOUS) and opens a session.
    public static func connect(
        host: String,
        port: Int,
        configuration: AMQPClientConnectionStateMachine.Configuration,
        group: any EventLoopGroup
    ) async throws -> AMQPClient {
        let eventLoop = group.next()
        let client = AMQPClient(eventLoop: eventLoop)
        let channel = try await ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = AMQPClientChannelHandler(configuration: configuration, delegate: client)
                    client.handler = handler
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: host, port: port).get()
        _ = channel
        try await client.opened!.futureResult.get()
        return client
    }

    /// Sends messages to `address` and waits for the peer's outcome of each (in order).
    public func send(address: String, messages: [ByteBuffer]) async throws -> [AMQPDeliveryState] {
        let futures = try await self.eventLoop.submit { () throws -> [EventLoopFuture<AMQPDeliveryState>] in
            guard let handler = self.handler else { throw AMQPClientError(self.closeReason ?? "the connection is closed") }
            var futures: [EventLoopFuture<AMQPDeliveryState>] = []
            futures.reserveCapacity(messages.count)
            for message in messages {
                let tag = self.nextTag
                self.nextTag &+= 1
                let promise = self.eventLoop.makePromise(of: AMQPDeliveryState.self)
                self.waiting[tag] = promise
                futures.append(promise.futureResult)
                handler.send(address: address, tag: tag, message: message)
            }
            return futures
        }.get()
        var states: [AMQPDeliveryState] = []
        states.reserveCapacity(futures.count)
        for future in futures { states.append(try await future.get()) }
        return states
    }

    /// Attaches a receiver from `address` with `credit`; messages and the end of the connection
    /// arrive on the returned stream. Accept each with `accept(deliveryID:)`, grant more with `addCredit`.
    public func receive(address: String, credit: UInt32) async throws -> (handle: UInt32, events: AsyncStream<Event>) {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        let handle = try await self.eventLoop.submit { () throws -> UInt32 in
            guard let handler = self.handler else { throw AMQPClientError(self.closeReason ?? "the connection is closed") }
            self.continuation = continuation
            return handler.attachReceiver(address: address, credit: credit)
        }.get()
        return (handle, stream)
    }

    public func accept(deliveryID: UInt32) {
        self.eventLoop.execute { self.handler?.accept(deliveryID: deliveryID) }
    }

    public func addCredit(handle: UInt32, _ credit: UInt32) {
        self.eventLoop.execute { self.handler?.addCredit(handle: handle, credit) }
    }

    /// Closes in order (our close, the peer's reply) and waits for the socket to go.
    public func close() async {
        self.eventLoop.execute { self.handler?.close() }
        try? await self.closed.futureResult.get()
    }

    // MARK: AMQPClientDelegate (on the event loop)

    public func amqpClientOpened() {
        self.opened?.succeed(())
        self.opened = nil
    }

    public func amqpClientOutcome(tag: UInt64, state: AMQPDeliveryState) {
        self.waiting.removeValue(forKey: tag)?.succeed(state)
    }

    public func amqpClientReceived(address: String, deliveryID: UInt32, message: ByteBuffer) {
        self.continuation?.yield(.message(deliveryID: deliveryID, message: message))
    }

    public func amqpClientClosed(error: String) {
        self.closeReason = error
        self.handler = nil
        let failure = AMQPClientError(error)
        self.opened?.fail(failure)
        self.opened = nil
        let waiting = self.waiting
        self.waiting = [:]
        for promise in waiting.values { promise.fail(failure) }
        self.continuation?.yield(.closed(error))
        self.continuation?.finish()
        self.continuation = nil
        self.closed.succeed(())
    }
}

public struct AMQPClientError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
