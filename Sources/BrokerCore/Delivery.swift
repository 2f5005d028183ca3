import BrokerStore

/// A message handed to a consumer. Settle it through the consumer with its `key`.
public struct Delivery: Sendable {
    /// Identifies the delivery within its queue; pass it back to acknowledge or release.
    public var key: EntryKey
    public var message: StoredMessage
    /// How many times it was delivered before this one (0 on the first delivery).
    public var deliveryCount: UInt32

    public init(key: EntryKey, message: StoredMessage, deliveryCount: UInt32) {
        self.key = key
        self.message = message
        self.deliveryCount = deliveryCount
    }
}

/// Receives deliveries while a consumer has credit, in queue order, one call at a time
/// per queue. Called from any thread (the store writer, a page-in thread, the caller's
/// own thread inside a consumer call): implementations hop to their own event loop
/// (keeping order) and must not block or call back into the same queue synchronously.
public protocol ConsumerDelegate: AnyObject, Sendable {
    func deliver(_ deliveries: [Delivery])
    /// A drain completed: every delivery it produced was handed over before this call.
    func drained(unusedCredit: Int)
}

extension ConsumerDelegate {
    public func drained(unusedCredit: Int) {}
}
