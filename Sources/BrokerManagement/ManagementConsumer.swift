import BrokerCore
import BrokerStore
import NIOConcurrencyHelpers

/// A consumer the management API attaches to a queue for `receive` (drain) and `move`.
///
/// Deliveries are buffered until a caller takes them; taken ones are *leased*: in
/// flight in the queue until acknowledged or released. `end()` gives every buffered and
/// leased message back without counting a delivery attempt, so an interrupted drain
/// never loses a message nor makes it look poisoned.
final class ManagementConsumer: ConsumerDelegate, @unchecked Sendable {
    // @unchecked: `state` is only accessed with `lock` held. The lock is never held while
    // calling into the queue (consumer calls happen after it is released), so the order
    // is queue lock → this lock (deliveries) and never the reverse.
    let id: String
    let queue: Queue
    private let lock = NIOLock()
    private var state = State()
    private var consumer: Consumer?

    private struct State {
        var buffered: [Delivery] = []
        var leased: [EntryKey: Delivery] = [:]
        var deadline: ContinuousClock.Instant = .now
        var isEnded = false
    }

    init(id: String, queue: Queue, leaseDuration: Duration) {
        self.id = id
        self.queue = queue
        self.state.deadline = .now + leaseDuration
    }

    /// Attaches to the queue with no credit; call once, right after init.
    func attach() {
        let consumer = self.queue.addConsumer(delegate: self, credit: 0)
        self.lock.withLock { self.consumer = consumer }
    }

    // MARK: ConsumerDelegate

    func deliver(_ deliveries: [Delivery]) {
        let late: [Delivery] = self.lock.withLock {
            if self.state.isEnded { return deliveries }
            self.state.buffered.append(contentsOf: deliveries)
            return []
        }
        if !late.isEmpty {
            // Arrived after end(): give them back, but not from inside the queue's callback.
            let consumer = self.lock.withLock { self.consumer }
            Task { for delivery in late { consumer?.release(delivery.key, countAttempt: false) } }
        }
    }

    // MARK: Receiving

    var isEnded: Bool { self.lock.withLock { self.state.isEnded } }
    var deadline: ContinuousClock.Instant { self.lock.withLock { self.state.deadline } }

    func renew(_ duration: Duration) {
        self.lock.withLock { self.state.deadline = .now + duration }
    }

    /// Waits (up to `wait`) for up to `max` messages and leases them. Returns early once
    /// some arrived and no more came for a short while, so batches stay prompt.
    func receive(max: Int, wait: Duration) async -> [Delivery] {
        guard max > 0, let consumer = self.lock.withLock({ self.consumer }) else { return [] }
        // Credit so that credit + buffered covers `max`; read credit first, so a delivery
        // racing with the two reads can only make us grant less, never more.
        let credit = consumer.credit
        let buffered = self.lock.withLock { self.state.buffered.count }
        let missing = max - buffered - credit
        if missing > 0 { consumer.addCredit(missing) }

        let start = ContinuousClock.now
        var lastCount = -1
        var lastChange = start
        while true {
            let count = self.lock.withLock { self.state.buffered.count }
            let now = ContinuousClock.now
            if count != lastCount {
                lastCount = count
                lastChange = now
            }
            if count >= max || now - start >= wait || self.isEnded { break }
            if count > 0 && now - lastChange >= .milliseconds(50) { break }
            try? await Task.sleep(for: .milliseconds(3))
        }
        return self.lock.withLock {
            let taken = Array(self.state.buffered.prefix(max))
            self.state.buffered.removeFirst(taken.count)
            for delivery in taken { self.state.leased[delivery.key] = delivery }
            return taken
        }
    }

    /// Acknowledges leased messages; returns the keys it held and the ones it did not.
    func acknowledge(_ keys: [EntryKey]) -> (settled: [EntryKey], unknown: [EntryKey]) {
        self.settle(keys) { consumer, key in consumer.acknowledge(key) }
    }

    /// Gives leased messages back to the queue without counting an attempt.
    func release(_ keys: [EntryKey]) -> (settled: [EntryKey], unknown: [EntryKey]) {
        self.settle(keys) { consumer, key in consumer.release(key, countAttempt: false) }
    }

    private func settle(_ keys: [EntryKey], _ action: (Consumer, EntryKey) -> Void) -> (settled: [EntryKey], unknown: [EntryKey]) {
        let (consumer, settled, unknown): (Consumer?, [EntryKey], [EntryKey]) = self.lock.withLock {
            var settled: [EntryKey] = []
            var unknown: [EntryKey] = []
            for key in keys {
                if !self.state.isEnded, self.state.leased.removeValue(forKey: key) != nil {
                    settled.append(key)
                } else {
                    unknown.append(key)
                }
            }
            return (self.consumer, settled, unknown)
        }
        if let consumer {
            for key in settled { action(consumer, key) }
        }
        return (settled, unknown)
    }

    /// Releases everything buffered and leased (not counted as attempts) and detaches.
    func end() {
        let (consumer, returning): (Consumer?, [EntryKey]) = self.lock.withLock {
            guard !self.state.isEnded else { return (nil, []) }
            self.state.isEnded = true
            let keys = self.state.buffered.map(\.key) + self.state.leased.keys.sorted()
            self.state.buffered.removeAll()
            self.state.leased.removeAll()
            return (self.consumer, keys)
        }
        guard let consumer else { return }
        consumer.setCredit(0)
        for key in returning { consumer.release(key, countAttempt: false) }
        consumer.close()
    }
}
