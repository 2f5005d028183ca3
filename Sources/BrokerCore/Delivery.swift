import BrokerStore

/// A message handed to a consumer. Settle it through the consumer with its `key`.
public struct Delivery: Sendable {
    /// Identifies the delivery within its queue; pass it back to acknowledge or release.
    public var key: EntryKey
    public var message: StoredMessage
    /// How many times it was delivered before this one (0 on the first delivery).
    public var deliveryCount: UInt32
}

/// Receives deliveries that arrive while a consumer has credit. Called from any thread
/// (the store writer, a page-in thread, another connection's event loop): implementations
/// hop to their own event loop and must not block.
public protocol ConsumerDelegate: AnyObject, Sendable {
    func deliver(_ deliveries: [Delivery])
}
