import BrokerStore
import NIOCore

/// A message handed to the broker by a front end, before it has an id.
public struct IncomingMessage: Sendable {
    public var address: String
    /// nil: the address policy's default priority.
    public var priority: UInt8?
    public var isDurable: Bool
    /// Absolute expiration, ms since 1970; nil: the address policy's TTL, if any.
    public var expiration: Int64?
    public var origin: MessageOrigin
    public var body: ByteBuffer
    /// The client connection that published it (`ConnectionRegistry` id), for no-local subscriptions.
    public var publisherConnection: UInt64?

    public init(
        address: String,
        priority: UInt8? = nil,
        isDurable: Bool = true,
        expiration: Int64? = nil,
        origin: MessageOrigin = .core,
        body: ByteBuffer,
        publisherConnection: UInt64? = nil
    ) {
        self.publisherConnection = publisherConnection
        self.address = address
        self.priority = priority
        self.isDurable = isDurable
        self.expiration = expiration
        self.origin = origin
        self.body = body
    }
}
