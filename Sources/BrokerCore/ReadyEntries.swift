import BrokerStore
import DequeModule

/// The ready (not in flight) entries a queue holds in memory, in delivery order:
/// one FIFO per priority, highest priority first.
struct ReadyEntries {
    private var levels: [Deque<QueueEntry>] = Array(repeating: [], count: 10)
    private(set) var count = 0
    private(set) var bytes = 0

    var isEmpty: Bool { self.count == 0 }

    /// Inserts in key order. Arrivals are nearly always the newest of their priority, so this
    /// is an append; redeliveries, page-ins and stored arrivals that memory-only ones overtook
    /// (a QoS 0 flood past the window) go in by binary search: a walk from the back cost up to a
    /// window's length per insert.
    mutating func insert(_ entry: QueueEntry) {
        let level = Int(entry.key.priority)
        self.count += 1
        self.bytes += entry.size
        if let last = self.levels[level].last, last.key.message > entry.key.message {
            let index = self.firstIndex(in: level) { $0 > entry.key.message }
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

    /// The first entry in delivery order whose key comes after `key` (the first of all when nil).
    func first(after key: EntryKey?) -> QueueEntry? {
        guard let key else { return self.first }
        for level in stride(from: 9, through: 0, by: -1) where !self.levels[level].isEmpty {
            if level > Int(key.priority) { continue }  // every entry of a higher priority sorts before `key`
            if level < Int(key.priority) { return self.levels[level].first }
            let index = self.firstIndex(in: level) { $0 > key.message }
            if index < self.levels[level].count { return self.levels[level][index] }
        }
        return nil
    }

    /// Removes the entry with `key`, wherever it is in delivery order.
    @discardableResult
    mutating func remove(_ key: EntryKey) -> QueueEntry? {
        let level = Int(key.priority)
        let index = self.firstIndex(in: level) { $0 >= key.message }
        guard index < self.levels[level].count, self.levels[level][index].key == key else { return nil }
        let entry = self.levels[level].remove(at: index)
        self.count -= 1
        self.bytes -= entry.size
        return entry
    }

    /// Binary search: the first index of `level` whose message id satisfies `isAtOrPast`
    /// (monotonic over the level, which is sorted by message id).
    private func firstIndex(in level: Int, where isAtOrPast: (MessageID) -> Bool) -> Int {
        let entries = self.levels[level]
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if isAtOrPast(entries[middle].key.message) {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return low
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
