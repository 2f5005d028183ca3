import BrokerStore

/// A consumer attached to a queue. Credit says how many more deliveries it accepts;
/// deliveries (and drain reports) reach its delegate in the order the queue made them.
public final class Consumer: Sendable {
    public let queue: Queue
    let id: QueueStateMachine.ConsumerID

    init(queue: Queue, id: QueueStateMachine.ConsumerID) {
        self.queue = queue
        self.id = id
    }

    /// Adds credit; waiting messages are delivered through the delegate.
    public func addCredit(_ credit: Int) {
        self.queue.handle { $0.addCredit(credit, to: self.id, now: $1) }
    }

    /// Sets the credit to an absolute value (AMQP link credit).
    public func setCredit(_ credit: Int) {
        self.queue.handle { $0.setCredit(credit, of: self.id, now: $1) }
    }

    public var credit: Int { self.queue.credit(of: self.id) }

    /// Delivers what is ready now, then sets the credit to zero (AMQP drain); the
    /// delegate hears `drained(unusedCredit:)` after those deliveries.
    public func drain() {
        self.queue.handle { $0.drain(self.id, now: $1) }
    }

    /// The consumer processed the message: it is removed for good.
    public func acknowledge(_ key: EntryKey) {
        self.queue.handle { $0.acknowledge(key, now: $1) }
    }

    /// Acknowledges several messages at once: one queue event and one store submission.
    public func acknowledge(_ keys: [EntryKey]) {
        guard !keys.isEmpty else { return }
        self.settle(acknowledging: keys, addingCredit: 0)
    }

    /// Acknowledges `keys` and adds `credit` in one queue event (one dispatch, one store
    /// submission for the removals): for front ends that settle a batch at a time.
    public func settle(acknowledging keys: [EntryKey], addingCredit credit: Int) {
        self.queue.handle { $0.settle(acknowledging: keys, addingCredit: credit, to: self.id, now: $1) }
    }

    /// The consumer gives the message back (AMQP released: not counted as an attempt;
    /// modified with delivery-failed: counted).
    public func release(_ key: EntryKey, countAttempt: Bool) {
        self.queue.handle { $0.release(key, countAttempt: countAttempt, now: $1) }
    }

    /// The consumer refuses the message: it goes to the dead-letter address.
    public func reject(_ key: EntryKey) {
        self.queue.handle { $0.reject(key, now: $1) }
    }

    /// Detaches; unsettled deliveries return to the queue, counted as attempts.
    public func close() {
        self.queue.removeConsumer(self.id)
    }
}
