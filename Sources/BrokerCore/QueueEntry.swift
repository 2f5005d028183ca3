import BrokerStore

/// One message in one queue, as the queue holds it in memory.
struct QueueEntry: Sendable {
    var key: EntryKey
    var message: StoredMessage
    var deliveryCount: UInt32
    /// False for a non-durable message kept only in memory: settling it needs no store write.
    var isStored: Bool

    var size: Int { self.message.storedSize }

    /// The entry with a body that owns its bytes, for keeping in memory (see `owningItsBytes`).
    func owningItsBody() -> QueueEntry {
        guard self.message.body.isSliceOfLargerBuffer else { return self }
        var owned = self
        owned.message.body = self.message.body.owningItsBytes()
        return owned
    }
}
