import Atomics
import NIOConcurrencyHelpers

/// How much memory the writer holds in submissions it has not committed yet.
///
/// Producers whose messages need no acknowledgment (MQTT QoS 0, pre-settled AMQP) can submit
/// faster than the writer commits, for example when a slow subscriber's queue is paged out.
/// Without a bound that backlog becomes the broker's memory. Front ends ask `isBackedUp` before
/// they take the next message and, when it is, stop reading from the producer until
/// `whenDrained` calls back: the backlog is bounded and TCP passes the pressure on.
public final class StoreIntake: Sendable {
    /// Over this, `isBackedUp`.
    public let highWatermark: Int
    /// Waiters are called once the pending memory falls to this.
    public let lowWatermark: Int

    private let pendingBytes = ManagedAtomic<Int>(0)
    private let pauses = ManagedAtomic<Int>(0)
    // Lock scope: only the waiter list; no other lock is taken while it is held.
    private let waiters = NIOLockedValueBox<[@Sendable () -> Void]>([])

    init(highWatermark: Int) {
        self.highWatermark = max(1, highWatermark)
        self.lowWatermark = self.highWatermark / 2
    }

    /// Whether producers should pause until `whenDrained` calls back.
    public var isBackedUp: Bool { self.pendingBytes.load(ordering: .relaxed) > self.highWatermark }

    /// Bytes submitted and not yet committed (or refused).
    public var pending: Int { self.pendingBytes.load(ordering: .relaxed) }

    /// How often a producer waited for the intake to drain (for metrics and tests).
    public var pausedProducers: Int { self.pauses.load(ordering: .relaxed) }

    /// Calls `callback` once the pending memory is at or below the low watermark: now, on this
    /// thread, if it already is; otherwise on the writer thread after a commit.
    public func whenDrained(_ callback: @escaping @Sendable () -> Void) {
        self.pauses.wrappingIncrement(ordering: .relaxed)
        self.waiters.withLockedValue { $0.append(callback) }
        // Checked after registering: a commit that drained in between found the waiter or
        // left a figure this load sees (both sides are sequentially consistent).
        if self.pendingBytes.load(ordering: .sequentiallyConsistent) <= self.lowWatermark {
            self.callWaiters()
        }
    }

    func submitted(bytes: Int) {
        self.pendingBytes.wrappingIncrement(by: bytes, ordering: .sequentiallyConsistent)
    }

    func finished(bytes: Int) {
        let now = self.pendingBytes.wrappingDecrementThenLoad(by: bytes, ordering: .sequentiallyConsistent)
        if now <= self.lowWatermark { self.callWaiters() }
    }

    private func callWaiters() {
        let ready = self.waiters.withLockedValue { waiters in
            defer { waiters.removeAll() }
            return waiters
        }
        for callback in ready { callback() }
    }
}

extension StoreOperation {
    /// What the operation keeps in memory until it is committed: a message's stored size plus
    /// the submission's own bookkeeping (arrays, closure, queue entries), estimated.
    var pendingMemory: Int {
        switch self {
        case .storeMessage(let message, let queues): message.storedSize + 256 + 16 * queues.count
        case .purgeQueue(_, let keeping): 64 + 40 * keeping.count
        case .removeEntry, .moveEntry, .setDeliveryCount, .createQueue, .deleteQueue, .putAddress, .deleteAddress: 64
        case .putRecord(_, let key, let value): 64 + key.count + value.count
        case .deleteRecord(_, let key): 64 + key.count
        }
    }
}
