import BrokerCore
import NIOConcurrencyHelpers

/// The drain leases of the management API, by id. A lease ends when its client says so,
/// or when it was not renewed (by a receive, an ack or a release) for its duration:
/// then its messages go back to the queue, not counted as delivery attempts.
final class LeaseRegistry: Sendable {
    private let leases = NIOLockedValueBox<[String: ManagementConsumer]>([:])

    /// The lease `id` on `queue`, or a new one when there is none (or it is on another queue).
    func lease(id: String?, queue: Queue, duration: Duration) -> ManagementConsumer {
        if let id, let existing = self.leases.withLockedValue({ $0[id] }), existing.queue === queue, !existing.isEnded {
            existing.renew(duration)
            return existing
        }
        let created = ManagementConsumer(id: LeaseRegistry.newID(), queue: queue, leaseDuration: duration)
        created.attach()
        self.leases.withLockedValue { $0[created.id] = created }
        return created
    }

    func existing(_ id: String) -> ManagementConsumer? {
        self.leases.withLockedValue { $0[id] }
    }

    /// Ends a lease; false when there is none.
    @discardableResult
    func end(_ id: String) -> Bool {
        guard let lease = self.leases.withLockedValue({ $0.removeValue(forKey: id) }) else { return false }
        lease.end()
        return true
    }

    /// Ends the leases past their deadline; returns how many.
    @discardableResult
    func expire(now: ContinuousClock.Instant = .now) -> Int {
        let expired = self.leases.withLockedValue { leases in
            let ids = leases.filter { $0.value.deadline <= now || $0.value.isEnded }.map(\.key)
            return ids.compactMap { leases.removeValue(forKey: $0) }
        }
        for lease in expired { lease.end() }
        return expired.count
    }

    /// Ends every lease (shutdown).
    func endAll() {
        let all = self.leases.withLockedValue { leases in
            defer { leases.removeAll() }
            return Array(leases.values)
        }
        for lease in all { lease.end() }
    }

    var count: Int { self.leases.withLockedValue { $0.count } }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<12).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16).leftPadded(2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        self.count >= width ? self : String(repeating: "0", count: width - self.count) + self
    }
}
