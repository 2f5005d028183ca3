import BrokerStore

extension EntryKey {
    /// The greatest key of the same queue that sorts before this one, so "every entry after
    /// `predecessor`" starts with this entry; nil when nothing of the queue can sort before it.
    var predecessor: EntryKey? {
        if self.message.rawValue > 0 {
            return EntryKey(queue: self.queue, priority: self.priority, message: MessageID(self.message.rawValue - 1))
        }
        // Keys sort by priority, highest first: the last key of the next higher priority.
        guard self.priority < 9 else { return nil }
        return EntryKey(queue: self.queue, priority: self.priority + 1, message: MessageID(UInt64.max))
    }
}

extension Optional where Wrapped == EntryKey {
    /// The earlier of two "after" positions, where nil (before everything) is the earliest.
    static func earliest(_ lhs: EntryKey?, _ rhs: EntryKey?) -> EntryKey? {
        guard let lhs, let rhs else { return nil }
        return Swift.min(lhs, rhs)
    }

    /// The later of two "after" positions, where nil (before everything) is the earliest.
    static func latest(_ lhs: EntryKey?, _ rhs: EntryKey?) -> EntryKey? {
        guard let lhs else { return rhs }
        guard let rhs else { return lhs }
        return Swift.max(lhs, rhs)
    }
}
