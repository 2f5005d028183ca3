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

    public init(
        address: String,
        priority: UInt8? = nil,
        isDurable: Bool = true,
        expiration: Int64? = nil,
        origin: MessageOrigin = .core,
        body: ByteBuffer
    ) {
        self.address = address
        self.priority = priority
        self.isDurable = isDurable
        self.expiration = expiration
        self.origin = origin
        self.body = body
    }
}
