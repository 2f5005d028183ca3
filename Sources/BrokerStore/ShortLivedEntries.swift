/// Entries that one batch both stores and removes: neither needs to reach the B-trees.
///
/// Durable messages reach online consumers while their commit is pending (early delivery), so a
/// busy queue's acknowledgments often join the very batch that stores the message. Writing an
/// entry (and the message, when it was its last) only to delete it in the same transaction costs
/// two B-tree updates and a reference count for nothing; the committed state is the same without
/// them. A crash before the commit loses both, which is what the producer, still waiting for its
/// acknowledgment, expects: it sends again.
///
/// Only a removal that follows the store in batch order cancels it. A move of the entry to another
/// queue (dead-lettering) between the two needs the stored entry, so from a move on that message's
/// later removals are applied as usual.
struct ShortLivedEntries {
    private(set) var keys: Set<EntryKey> = []

    init(_ batch: some Sequence<[StoreOperation]>) {
        var storedInBatch: Set<MessageID> = []
        for operations in batch {
            for operation in operations {
                switch operation {
                case .storeMessage(let message, _):
                    storedInBatch.insert(message.id)
                case .removeEntry(let key):
                    if storedInBatch.contains(key.message) { self.keys.insert(key) }
                case .moveEntry(let key, _, _):
                    storedInBatch.remove(key.message)
                case .setDeliveryCount, .createQueue, .deleteQueue, .purgeQueue, .putAddress, .deleteAddress,
                    .putRecord, .deleteRecord:
                    continue
                }
            }
        }
    }

    var isEmpty: Bool { self.keys.isEmpty }

    var count: Int { self.keys.count }

    func contains(_ key: EntryKey) -> Bool { self.keys.contains(key) }
}
