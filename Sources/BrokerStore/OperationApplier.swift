import LMDB

/// Applies store operations inside one write transaction and keeps queue counters
/// in step, so that queue depths and byte counts never need a scan.
struct OperationApplier {
    let transaction: LMDBTransaction
    let schema: StoreSchema
    /// The queue records as they will be after this transaction commits.
    var queues: [QueueID: QueueRecord]
    private(set) var touchedQueues: Set<QueueID> = []
    /// The highest message id stored by this transaction.
    private var highestStoredMessageID: UInt64 = 0
    /// Message counts and bytes added per queue in this transaction, applied to the
    /// records once at the end (copying a record per message was measurable).
    private var counterDeltas: [QueueID: (messages: Int, bytes: Int)] = [:]
    /// Every key in `messages` is at most this: a larger id can be appended
    /// (`MDB_APPEND` fills pages instead of splitting them in the middle).
    private(set) var messageAppendFloor: UInt64
    /// Entries this transaction stores and removes again: written neither way.
    private let shortLived: ShortLivedEntries
    /// Entries deleted whose message references are not yet released (see `releaseRemovedReferences`).
    private var releasedReferences: [EntryKey] = []
    /// Told, as the transaction goes, about how many bytes of existing pages it read through the
    /// map (estimated), so that a long one can release them before it ends (`MappedPageRelease`):
    /// a commit of many removals copies a page per message it deletes.
    var pagesTouched: (_ bytes: Int) -> Void = { _ in }
    private let pageSize: Int

    init(
        transaction: LMDBTransaction,
        schema: StoreSchema,
        queues: [QueueID: QueueRecord],
        messageAppendFloor: UInt64 = .max,
        shortLived: ShortLivedEntries = ShortLivedEntries([]),
        pageSize: Int = 4096
    ) {
        self.pageSize = pageSize
        self.transaction = transaction
        self.schema = schema
        self.queues = queues
        self.messageAppendFloor = messageAppendFloor
        self.shortLived = shortLived
    }

    mutating func apply(_ operation: StoreOperation) throws {
        defer { self.pagesTouched(operation.touchedBytes(pageSize: self.pageSize)) }
        switch operation {
        case .storeMessage(let message, let queueIDs):
            try self.store(message, in: queueIDs)
        case .removeEntry(let key):
            try self.remove(key)
        case .moveEntry(let key, let target, let deliveryCount):
            try self.move(key, to: target, deliveryCount: deliveryCount)
        case .setDeliveryCount(let key, let count):
            try key.withEncoded { keyBytes in
                if try self.transaction.get(self.schema.entries, key: keyBytes, { _ in true }) != nil {
                    try withUnsafeBytes(of: count.bigEndian) { try self.transaction.put(self.schema.entries, key: keyBytes, value: $0) }
                }
            }
        case .createQueue(let record):
            self.queues[record.id] = record
            self.touchedQueues.insert(record.id)
            try self.raiseHighestQueueID(to: record.id)
        case .deleteQueue(let id):
            try self.purge(id, keeping: [])
            self.queues[id] = nil
            self.touchedQueues.insert(id)
        case .purgeQueue(let id, let keeping):
            try self.purge(id, keeping: keeping)
        case .putAddress(let record):
            try self.transaction.put(self.schema.addresses, key: Array(record.name.utf8), value: record.encoded())
        case .deleteAddress(let name):
            try self.transaction.delete(self.schema.addresses, key: Array(name.utf8))
        case .putRecord(let kind, let key, let value):
            try self.transaction.put(self.schema.database(for: kind), key: key, value: value)
        case .deleteRecord(let kind, let key):
            try self.transaction.delete(self.schema.database(for: kind), key: key)
        }
    }

    /// Completes the transaction's bookkeeping after its last operation: releases the references of
    /// removed entries, writes the changed queue records and the message id high-water mark.
    mutating func finish() throws {
        try self.releaseRemovedReferences()
        try self.writeTouchedQueues()
        try self.writeHighestMessageID()
    }

    /// How far past the highest id stored the stored mark is raised when an id reaches it.
    static let messageIDReservation: UInt64 = 1 << 20

    /// Keeps the stored mark at or above every message id stored, so that a restart hands out
    /// none of them again. Raised in steps (`messageIDReservation`) rather than to the highest id
    /// of each commit: a commit that writes the meta database writes (and syncs) one more page,
    /// and at one message per commit that was one page in six. A restart skips the ids of at
    /// most one step; they are never used, as removed ids are not.
    private func writeHighestMessageID() throws {
        guard self.highestStoredMessageID > 0 else { return }
        let key = StoreSchema.lastMessageIDKey
        let stored = try self.transaction.get(self.schema.meta, key: key) { StoreKey.messageID($0)?.rawValue } ?? nil
        if self.highestStoredMessageID > stored ?? 0 {
            let (mark, overflow) = self.highestStoredMessageID.addingReportingOverflow(Self.messageIDReservation)
            let value = overflow ? UInt64.max : mark
            try self.transaction.put(self.schema.meta, key: key, value: withUnsafeBytes(of: value.bigEndian, Array.init))
        }
    }

    /// Queue ids are never reused, even after the newest queue is deleted, because
    /// other records (MQTT sessions, uplinks) may name them.
    private func raiseHighestQueueID(to id: QueueID) throws {
        let key = StoreSchema.lastQueueIDKey
        let stored = try self.transaction.get(self.schema.meta, key: key) { StoreKey.queueID($0)?.rawValue } ?? nil
        if id.rawValue > stored ?? 0 {
            try self.transaction.put(self.schema.meta, key: key, value: withUnsafeBytes(of: id.rawValue.bigEndian, Array.init))
        }
    }

    /// Writes the records of every queue whose counters or definition changed.
    private mutating func writeTouchedQueues() throws {
        for (id, delta) in self.counterDeltas {
            guard let record = self.queues[id] else { continue }
            self.queues[id]?.messageCount = UInt64(max(0, Int(record.messageCount) + delta.messages))
            self.queues[id]?.byteCount = UInt64(max(0, Int(record.byteCount) + delta.bytes))
            self.touchedQueues.insert(id)
        }
        self.counterDeltas.removeAll()
        for id in self.touchedQueues {
            try StoreKey.withQueueKey(id) { key in
                if let record = self.queues[id] {
                    try record.encoded().withUnsafeBytes { try self.transaction.put(self.schema.queues, key: key, value: $0) }
                } else {
                    try self.transaction.delete(self.schema.queues, key: key)
                }
            }
        }
    }

    private mutating func store(_ message: StoredMessage, in queueIDs: [QueueID]) throws {
        // Ids are never reused, even those of messages that leave no trace in the store.
        self.highestStoredMessageID = max(self.highestStoredMessageID, message.id.rawValue)
        var targets: [QueueID]
        if queueIDs.count == 1 {
            targets = self.queues.keys.contains(queueIDs[0]) ? queueIDs : []
        } else {
            // Each queue once: a repeated id would count a reference without an entry. (A message
            // has few queues; a linear search hashes nothing.)
            targets = []
            targets.reserveCapacity(queueIDs.count)
            for id in queueIDs where !targets.contains(id) && self.queues.keys.contains(id) {
                targets.append(id)
            }
        }
        if !self.shortLived.isEmpty {
            targets.removeAll { self.shortLived.contains(EntryKey(queue: $0, priority: message.priority, message: message.id)) }
        }
        guard !targets.isEmpty else { return }
        let size = message.storedSize
        let append = message.id.rawValue > self.messageAppendFloor
        if append { self.messageAppendFloor = message.id.rawValue }
        try StoreKey.withMessageKey(message.id) { key in
            try self.transaction.put(self.schema.messages, key: key, reservingBytes: size, append: append) { message.encode(into: $0) }
            if targets.count > 1 {
                try withUnsafeBytes(of: UInt32(targets.count).bigEndian) {
                    try self.transaction.put(self.schema.referenceCounts, key: key, value: $0)
                }
            }
        }
        let zero = UInt32(0)
        for queue in targets {
            try EntryKey(queue: queue, priority: message.priority, message: message.id).withEncoded { entryKey in
                try withUnsafeBytes(of: zero) { try self.transaction.put(self.schema.entries, key: entryKey, value: $0) }
            }
            self.count(queue, messages: 1, bytes: size)
        }
    }

    private mutating func remove(_ key: EntryKey) throws {
        guard !self.shortLived.contains(key) else { return }
        let existed = try key.withEncoded { try self.transaction.delete(self.schema.entries, key: $0) }
        guard existed else { return }
        self.releasedReferences.append(key)
    }

    private mutating func move(_ key: EntryKey, to target: QueueID, deliveryCount: UInt32) throws {
        guard self.queues[target] != nil else {
            // The target vanished; dropping the entry would lose the message, so keep it.
            return
        }
        let existed = try key.withEncoded { try self.transaction.delete(self.schema.entries, key: $0) }
        guard existed else { return }
        let size = try StoreKey.withMessageKey(key.message) { messageKey in
            try self.transaction.get(self.schema.messages, key: messageKey) { $0.count } ?? 0
        }
        try EntryKey(queue: target, priority: key.priority, message: key.message).withEncoded { entryKey in
            try withUnsafeBytes(of: deliveryCount.bigEndian) { try self.transaction.put(self.schema.entries, key: entryKey, value: $0) }
        }
        self.count(key.queue, messages: -1, bytes: -size)
        self.count(target, messages: 1, bytes: size)
    }

    private mutating func purge(_ id: QueueID, keeping: Set<EntryKey>) throws {
        var removed: [EntryKey] = []
        try self.transaction.withCursor(self.schema.entries) { cursor in
            var current = try EntryKey.firstKey(of: id).withEncoded { try cursor.seek(atOrAfter: $0) }
            while let (keyBytes, _) = current {
                guard let key = EntryKey(decoding: keyBytes), key.queue == id else { break }
                if !keeping.contains(key) { removed.append(key) }
                current = try cursor.next()
            }
        }
        for key in removed {
            try self.remove(key)
        }
    }

    /// Drops the references of the entries removed so far, one update per message however many of
    /// its entries went (the copies of a multicast message are usually acknowledged together), and
    /// deletes each message with its last reference.
    private mutating func releaseRemovedReferences() throws {
        guard !self.releasedReferences.isEmpty else { return }
        var removed = self.releasedReferences
        self.releasedReferences.removeAll(keepingCapacity: true)
        if removed.count > 1 { removed.sort { $0.message < $1.message } }
        var start = removed.startIndex
        while start < removed.endIndex {
            let message = removed[start].message
            var end = start + 1
            while end < removed.endIndex, removed[end].message == message { end += 1 }
            let size = try self.releaseReferences(to: message, count: end - start)
            self.pagesTouched(self.pageSize)
            for key in removed[start..<end] {
                self.count(key.queue, messages: -1, bytes: -size)
            }
            start = end
        }
    }

    /// Drops `count` references to a message, deleting it with its last; returns its stored size.
    private func releaseReferences(to id: MessageID, count: Int) throws -> Int {
        try StoreKey.withMessageKey(id) { key in
            let size = try self.transaction.get(self.schema.messages, key: key) { $0.count } ?? 0
            let stored = try self.transaction.get(self.schema.referenceCounts, key: key) { StoreKey.uint32($0) } ?? 1
            let references = Int(stored) - count
            if references > 1 {
                try withUnsafeBytes(of: UInt32(references).bigEndian) {
                    try self.transaction.put(self.schema.referenceCounts, key: key, value: $0)
                }
            } else if references == 1 {
                try self.transaction.delete(self.schema.referenceCounts, key: key)
            } else {
                if stored > 1 { try self.transaction.delete(self.schema.referenceCounts, key: key) }
                try self.transaction.delete(self.schema.messages, key: key)
            }
            return size
        }
    }

    /// Counts against a queue (one that no longer exists too: `writeTouchedQueues` skips those).
    private mutating func count(_ queue: QueueID, messages: Int, bytes: Int) {
        // One dictionary access (a modify through `inout`), not two.
        func add(to delta: inout (messages: Int, bytes: Int)) {
            delta.messages += messages
            delta.bytes += bytes
        }
        add(to: &self.counterDeltas[queue, default: (0, 0)])
    }
}
