/// One change to the store. A submission is a list of operations that commit together.
public enum StoreOperation: Sendable {
    /// Stores a message once and enters it in each queue (a multicast message is shared).
    case storeMessage(StoredMessage, queues: [QueueID])
    /// Removes a queue entry (acknowledged, expired, purged); the message goes with its last entry.
    case removeEntry(EntryKey)
    /// Moves an entry to another queue (dead-letter, expiry address) keeping the message.
    case moveEntry(EntryKey, to: QueueID, deliveryCount: UInt32)
    /// Records how often an entry was delivered, so redelivery counts survive a restart.
    case setDeliveryCount(EntryKey, UInt32)
    case createQueue(QueueRecord)
    /// Deletes a queue with all its entries.
    case deleteQueue(QueueID)
    /// Removes every entry of a queue except `keeping` (deliveries in flight), keeping the queue.
    case purgeQueue(QueueID, keeping: Set<EntryKey>)
    case putAddress(AddressRecord)
    case deleteAddress(String)
    case putRecord(RecordKind, key: [UInt8], value: [UInt8])
    case deleteRecord(RecordKind, key: [UInt8])

    /// About how many bytes of existing pages the writer reads through the map to apply the
    /// operation: a stored message's size where it is appended, a page for a change elsewhere.
    func touchedBytes(pageSize: Int) -> Int {
        switch self {
        case .storeMessage(let message, _): message.storedSize
        case .removeEntry, .moveEntry, .setDeliveryCount, .deleteQueue, .purgeQueue, .deleteRecord: pageSize
        case .createQueue, .putAddress, .deleteAddress, .putRecord: 0
        }
    }

    /// Whether the operation can need new pages: when the store is full these are
    /// refused while removals still go through, so consumers can free space.
    var addsData: Bool {
        switch self {
        case .storeMessage, .createQueue, .putAddress, .putRecord: true
        case .removeEntry, .moveEntry, .setDeliveryCount, .deleteQueue, .purgeQueue, .deleteAddress, .deleteRecord: false
        }
    }
}

/// What a durable commit reports to each of its submitters.
public struct CommitReceipt: Sendable {
    /// The LMDB transaction id of the commit: a read snapshot with an id at least this sees it.
    public var transactionID: Int
}
