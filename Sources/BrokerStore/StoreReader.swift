import LMDB
import NIOCore

/// Typed reads inside one read transaction (a consistent snapshot).
public struct StoreReader {
    let transaction: LMDBTransaction
    let schema: StoreSchema
    /// Told of the bytes of each message as it is read through the map, so that a long read can
    /// release the pages it touched before it ends (see `MappedPageRelease`).
    var messageRead: (_ bytes: Int) -> Void = { _ in }

    /// The snapshot id: every commit whose receipt has a transaction id ≤ this is visible.
    public var snapshotID: Int { self.transaction.id }

    public func message(_ id: MessageID) throws -> StoredMessage? {
        try StoreKey.withMessageKey(id) { key in
            try self.transaction.get(self.schema.messages, key: key) { value in
                self.messageRead(value.count)
                return try StoredMessage(id: id, decoding: value)
            }
        }
    }

    /// Up to `limit` entries of `queue` in delivery order, starting after `after` (or at the head).
    public func entries(of queue: QueueID, after: EntryKey? = nil, limit: Int) throws -> [StoredEntry] {
        var result: [StoredEntry] = []
        try self.walk(queue: queue, after: after) { entry in
            result.append(entry)
            return result.count < limit
        }
        return result
    }

    /// A page of a queue with its messages loaded, bounded by count and bytes (at least one
    /// entry is returned when there is one, whatever its size).
    public func page(of queue: QueueID, after: EntryKey?, maxCount: Int, maxBytes: Int) throws -> StorePage {
        var page = StorePage(items: [], snapshotID: self.snapshotID, reachedEnd: true)
        var bytes = 0
        try self.walk(queue: queue, after: after) { entry in
            if page.items.count >= maxCount {
                page.reachedEnd = false
                return false
            }
            guard let message = try self.message(entry.key.message) else {
                throw StoreError.corrupted("entry \(entry.key) refers to a missing message")
            }
            // The byte bound is hard: the next message must fit, except as the first item.
            if !page.items.isEmpty && bytes + message.storedSize > maxBytes {
                page.reachedEnd = false
                return false
            }
            bytes += message.storedSize
            page.items.append(StorePage.Item(entry: entry, message: message))
            return true
        }
        return page
    }

    /// Calls `body` for each entry of `queue` in delivery order until it returns false.
    public func walk(queue: QueueID, after: EntryKey? = nil, _ body: (StoredEntry) throws -> Bool) throws {
        try self.transaction.withCursor(self.schema.entries) { cursor in
            let start = after ?? EntryKey.firstKey(of: queue)
            var current = try start.withEncoded { try cursor.seek(atOrAfter: $0) }
            while let (keyBytes, valueBytes) = current {
                guard let key = EntryKey(decoding: keyBytes), key.queue == queue else { return }
                if let after, key == after {
                    current = try cursor.next()
                    continue
                }
                guard try body(StoredEntry(key: key, deliveryCount: StoreKey.uint32(valueBytes))) else { return }
                current = try cursor.next()
            }
        }
    }

    public func queues() throws -> [QueueRecord] {
        try self.transaction.withCursor(self.schema.queues) { cursor in
            var result: [QueueRecord] = []
            var current = try cursor.first()
            while let (key, value) = current {
                guard let id = StoreKey.queueID(key) else { throw StoreError.corrupted("queue key of \(key.count) bytes") }
                result.append(try QueueRecord(id: id, decoding: value))
                current = try cursor.next()
            }
            return result
        }
    }

    public func addresses() throws -> [AddressRecord] {
        try self.transaction.withCursor(self.schema.addresses) { cursor in
            var result: [AddressRecord] = []
            var current = try cursor.first()
            while let (key, value) = current {
                result.append(try AddressRecord(name: String(decoding: key, as: UTF8.self), decoding: value))
                current = try cursor.next()
            }
            return result
        }
    }

    public func record(_ kind: RecordKind, key: [UInt8]) throws -> [UInt8]? {
        try self.transaction.get(self.schema.database(for: kind), key: key)
    }

    /// All records of a kind, in key order.
    public func records(_ kind: RecordKind) throws -> [(key: [UInt8], value: [UInt8])] {
        try self.transaction.withCursor(self.schema.database(for: kind)) { cursor in
            var result: [(key: [UInt8], value: [UInt8])] = []
            var current = try cursor.first()
            while let (key, value) = current {
                result.append((Array(key), Array(value)))
                current = try cursor.next()
            }
            return result
        }
    }

    /// Number of stored messages (each multicast message once).
    public func messageCount() throws -> Int {
        try self.schema.messages.count(in: self.transaction)
    }

    /// The stored mark every message id stays under (see `OperationApplier.messageIDReservation`).
    func messageIDMark() throws -> UInt64? {
        try self.transaction.get(self.schema.meta, key: StoreSchema.lastMessageIDKey) { StoreKey.messageID($0)?.rawValue } ?? nil
    }
}

@available(*, unavailable)
extension StoreReader: Sendable {}

/// A slice of a queue read from the store, with the snapshot it came from.
public struct StorePage: Sendable {
    public struct Item: Sendable {
        public var entry: StoredEntry
        public var message: StoredMessage

        public init(entry: StoredEntry, message: StoredMessage) {
            self.entry = entry
            self.message = message
        }
    }

    public var items: [Item]
    public var snapshotID: Int
    /// True when the queue had no entry after the last item in this snapshot.
    public var reachedEnd: Bool

    public init(items: [Item], snapshotID: Int, reachedEnd: Bool) {
        self.items = items
        self.snapshotID = snapshotID
        self.reachedEnd = reachedEnd
    }
}
