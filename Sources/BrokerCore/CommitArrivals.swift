import BrokerStore

/// The entries one store commit made durable, gathered while its completions run and handed to
/// each queue in one event afterwards (`flush`, which the store calls after every commit).
///
/// One event per entry cost a queue lock, a dispatch, an outbox hand-over and a consumer hop for
/// every message and every queue it was routed to; a commit of N messages fanned out to M queues
/// now costs M of each. Work that must follow the arrivals (the producers' completions, so that a
/// producer told "stored" finds its message in the queue) is deferred to run after them, in order.
/// A queue gets its entries in chunks of at most `chunkSize` (still in commit order): a flood of
/// non-durable messages paged to the store commits tens of thousands at once, and one list of
/// them per queue held 7 MB at the peak of a QoS 0 4→4 run.
final class CommitArrivals: @unchecked Sendable {
    // @unchecked: used only on the store's writer thread, from commit completions and from the
    // after-commit hook, which that thread runs one after another.

    private struct Pending {
        var queue: Queue
        var entries: [QueueEntry]
        var commit: Int
    }

    static let chunkSize = 1024

    /// In the order queues were first touched in this commit.
    private var pending: [Pending] = []
    private var slotsByQueue: [QueueID: Int] = [:]
    private var deferred: [() -> Void] = []

    /// `entry` of `queue` was committed by transaction `commit`.
    func add(_ entry: QueueEntry, to queue: Queue, commit: Int) {
        if let slot = self.slotsByQueue[queue.id] {
            self.pending[slot].entries.append(entry)
            self.pending[slot].commit = max(self.pending[slot].commit, commit)
            if self.pending[slot].entries.count >= Self.chunkSize {
                queue.entriesArrived(self.pending[slot].entries, commit: self.pending[slot].commit)
                self.pending[slot].entries.removeAll(keepingCapacity: true)
            }
        } else {
            self.slotsByQueue[queue.id] = self.pending.count
            self.pending.append(Pending(queue: queue, entries: [entry], commit: commit))
        }
    }

    /// Runs `work` after this commit's arrivals, in the order it was deferred.
    func afterArrivals(_ work: @escaping () -> Void) {
        self.deferred.append(work)
    }

    /// Hands every queue its entries (in commit order), then runs the deferred work.
    func flush() {
        guard !self.pending.isEmpty || !self.deferred.isEmpty else { return }
        let pending = self.pending
        let deferred = self.deferred
        self.pending.removeAll(keepingCapacity: true)
        self.slotsByQueue.removeAll(keepingCapacity: true)
        self.deferred.removeAll(keepingCapacity: true)
        for item in pending where !item.entries.isEmpty {
            item.queue.entriesArrived(item.entries, commit: item.commit)
        }
        for work in deferred { work() }
    }
}
