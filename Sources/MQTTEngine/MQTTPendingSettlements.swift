import BrokerStore

/// Acknowledgments and credit a connection owes its subscription queues, collected over one read
/// batch (PUBACKs, PUBRECs, PUBCOMPs) or one delivery batch (QoS 0 messages settle as they are
/// written) and handed over with one `Consumer.settle` per subscription: one queue lock, one
/// dispatch and one store submission for the batch instead of two of each per message.
struct MQTTPendingSettlements {
    struct Settlement {
        var subscriptionID: Int
        var keys: [EntryKey] = []
        var credit = 0
    }

    /// One element per subscription touched in this batch; a connection has few subscriptions,
    /// so a linear search beats hashing.
    private var settlements: [Settlement] = []

    var isEmpty: Bool { self.settlements.isEmpty }

    mutating func acknowledge(_ key: EntryKey, subscriptionID: Int) {
        let index = self.index(of: subscriptionID)
        self.settlements[index].keys.append(key)
    }

    mutating func grantCredit(_ credit: Int, subscriptionID: Int) {
        let index = self.index(of: subscriptionID)
        self.settlements[index].credit += credit
    }

    /// Everything collected so far, in the order subscriptions were first touched; empties the batch.
    mutating func take() -> [Settlement] {
        var taken: [Settlement] = []
        swap(&taken, &self.settlements)
        return taken
    }

    private mutating func index(of subscriptionID: Int) -> Int {
        if let index = self.settlements.firstIndex(where: { $0.subscriptionID == subscriptionID }) {
            return index
        }
        self.settlements.append(Settlement(subscriptionID: subscriptionID))
        return self.settlements.count - 1
    }
}
