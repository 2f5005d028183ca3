import BrokerStore

/// Durable entries claimed early (see `Broker.enqueue`) whose admission a front end defers to the
/// end of its read batch: then each queue takes all of them in one event (one lock, one dispatch,
/// one hand-over per consumer), as it takes a commit's arrivals, instead of one per message, which
/// cost a wake-up and a flush on the consumer's connection for every message.
///
/// The commits of these entries are submitted without waking the store's writer, which is woken
/// once the entries are handed over: the consumers' connections are woken first, and the writer,
/// which would otherwise take the CPU from this thread between a submission and the hand-over,
/// comes after them.
///
/// Used on one thread (a connection's event loop). Every entry added must be admitted soon: an
/// entry claimed early does not arrive through its commit, so `admit` must run at the end of the
/// read batch, and before the connection goes away.
public final class EarlyAdmissions {
    private var pending: [(queue: Queue, entries: [QueueEntry])] = []
    /// The store whose writer `admit` wakes.
    private var storeToWake: MessageStore?

    public init() {}

    func add(_ entry: QueueEntry, to queue: Queue) {
        // A read batch touches a handful of queues: a linear search beats hashing.
        if let index = self.pending.firstIndex(where: { $0.queue === queue }) {
            self.pending[index].entries.append(entry)
        } else {
            self.pending.append((queue, [entry]))
        }
    }

    /// Notes a submission made without waking the writer (see `Broker.enqueue`).
    func wakeWriterAfterAdmitting(_ store: MessageStore) {
        self.storeToWake = store
    }

    /// Hands every queue its entries, in the order they were added, then wakes the writer.
    public func admit() {
        if !self.pending.isEmpty {
            let batch = self.pending
            self.pending.removeAll(keepingCapacity: true)
            for (queue, entries) in batch {
                queue.earlyEntriesAdmitted(entries)
            }
        }
        if let store = self.storeToWake {
            self.storeToWake = nil
            store.wakeWriter()
        }
    }
}

@available(*, unavailable)
extension EarlyAdmissions: Sendable {}
