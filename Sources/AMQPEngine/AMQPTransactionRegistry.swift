import BrokerCore
import NIOCore

/// The transactions a connection has declared and not yet discharged, by the id sent to the peer.
/// Ids are per connection (part 4.5.3 leaves them to the coordinator): 8 bytes, never reused on it.
struct AMQPTransactionRegistry {
    private struct Entry {
        var transaction: BrokerTransaction
        /// The session whose coordinator declared it: ending that session rolls it back.
        var channel: UInt16
    }

    private var entries: [ByteBuffer: Entry] = [:]
    private var nextNumber: UInt64 = 1

    var count: Int { self.entries.count }

    /// Registers a new transaction and returns its id.
    mutating func declare(_ transaction: BrokerTransaction, channel: UInt16) -> ByteBuffer {
        var id = ByteBuffer()
        id.writeInteger(self.nextNumber)
        self.nextNumber += 1
        self.entries[id] = Entry(transaction: transaction, channel: channel)
        return id
    }

    func transaction(_ id: ByteBuffer) -> BrokerTransaction? {
        self.entries[id]?.transaction
    }

    /// Removes a transaction for its discharge.
    mutating func discharge(_ id: ByteBuffer) -> BrokerTransaction? {
        self.entries.removeValue(forKey: id)?.transaction
    }

    /// Removes and returns every transaction declared on `channel`.
    mutating func removeAll(declaredOn channel: UInt16) -> [BrokerTransaction] {
        let ids = self.entries.filter { $0.value.channel == channel }.map(\.key)
        return ids.compactMap { self.entries.removeValue(forKey: $0)?.transaction }
    }
}
