import BrokerStore
import DequeModule

/// The ready (not in flight) entries a queue holds in memory, in delivery order:
/// one FIFO per priority, highest priority first.
struct ReadyEntries {
    private var levels: [Deque<QueueEntry>] = Array(repeating: [], count: 10)
    private(set) var count = 0
    private(set) var bytes = 0

    var isEmpty: Bool { self.count == 0 }

    /// Inserts in key order. Arrivals are nearly always the newest of their priority,
    /// so this is an append; redeliveries and page-ins search from the back.
    mutating func insert(_ entry: QueueEntry) {
        let level = Int(entry.key.priority)
        self.count += 1
        self.bytes += entry.size
        if let last = self.levels[level].last, last.key.message > entry.key.message {
            var index = self.levels[level].count - 1
            while index > 0, self.levels[level][index - 1].key.message > entry.key.message {
                index -= 1
            }
            self.levels[level].insert(entry, at: index)
        } else {
            self.levels[level].append(entry)
        }
    }

    var first: QueueEntry? {
        for level in stride(from: 9, through: 0, by: -1) where !self.levels[level].isEmpty {
            return self.levels[level].first
        }
        return nil
    }

    mutating func popFirst() -> QueueEntry? {
        for level in stride(from: 9, through: 0, by: -1) where !self.levels[level].isEmpty {
            let entry = self.levels[level].removeFirst()
            self.count -= 1
            self.bytes -= entry.size
            return entry
        }
        return nil
    }

    /// The last entry in delivery order.
    var last: QueueEntry? {
        for level in 0...9 where !self.levels[level].isEmpty {
            return self.levels[level].last
        }
        return nil
    }

    /// Removes and returns every entry matching `predicate`.
    mutating func removeAll(where predicate: (QueueEntry) -> Bool) -> [QueueEntry] {
        var removed: [QueueEntry] = []
        for level in 0...9 {
            self.levels[level].removeAll { entry in
                guard predicate(entry) else { return false }
                removed.append(entry)
                return true
            }
        }
        for entry in removed {
            self.count -= 1
            self.bytes -= entry.size
        }
        return removed
    }

    /// All entries in delivery order (for browsing the in-memory part).
    var all: [QueueEntry] {
        stride(from: 9, through: 0, by: -1).flatMap { self.levels[$0] }
    }
}
