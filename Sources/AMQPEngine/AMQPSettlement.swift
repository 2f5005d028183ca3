import BrokerStore

/// What to do with a message a consumer link delivered, from the peer's outcome (part 3.4).
public enum AMQPSettlement: Sendable, Hashable {
    /// accepted (and settled without an outcome): remove it.
    case acknowledge
    /// released, or modified without delivery-failed: back to the queue, attempt not counted.
    case releaseUncounted
    /// modified(delivery-failed): back to the queue, attempt counted.
    case releaseCounted
    /// rejected: to the dead-letter address.
    case reject
}
