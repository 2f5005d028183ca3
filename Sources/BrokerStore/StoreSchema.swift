import LMDB

/// The named databases of a store and the format version they follow.
///
/// ```
/// meta        "format-version" -> UInt32 (big-endian)
///             "last-message-id" -> UInt64 (big-endian): at or above every message id ever stored
///                                  (raised in steps, see OperationApplier.messageIDReservation)
///             "last-queue-id"   -> UInt32 (big-endian): the highest queue id ever created
/// messages    message id (UInt64 BE) -> StoredMessage layout (see StoredMessage)
/// refcounts   message id -> UInt32: how many entries share a multicast message (absent = 1)
/// entries     EntryKey (13 bytes) -> delivery count UInt32 BE
/// queues      queue id (UInt32 BE) -> QueueRecord layout
/// addresses   name (UTF-8) -> AddressRecord layout
/// <records>   one database per RecordKind, opaque keys and values
/// ```
struct StoreSchema {
    static let formatVersion: UInt32 = 1
    static let formatVersionKey = Array("format-version".utf8)
    /// Kept so that ids of removed messages are never handed out again after a restart.
    static let lastMessageIDKey = Array("last-message-id".utf8)
    static let lastQueueIDKey = Array("last-queue-id".utf8)

    let meta: LMDBDatabase
    let messages: LMDBDatabase
    let referenceCounts: LMDBDatabase
    let entries: LMDBDatabase
    let queues: LMDBDatabase
    let addresses: LMDBDatabase
    let records: [RecordKind: LMDBDatabase]

    static var databaseCount: Int { 6 + RecordKind.allCases.count }

    /// Opens (creating) every database and checks or writes the format version.
    init(transaction: LMDBTransaction, path: String) throws {
        self.meta = try .open("meta", in: transaction, create: true)
        if let stored = try transaction.get(self.meta, key: Self.formatVersionKey) {
            let found = stored.count == 4 ? stored.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self)) } : 0
            guard found == Self.formatVersion else {
                throw StoreError.versionMismatch(path: path, found: found, expected: Self.formatVersion)
            }
        } else {
            try transaction.put(self.meta, key: Self.formatVersionKey, value: withUnsafeBytes(of: Self.formatVersion.bigEndian, Array.init))
        }
        self.messages = try .open("messages", in: transaction, create: true)
        self.referenceCounts = try .open("refcounts", in: transaction, create: true)
        self.entries = try .open("entries", in: transaction, create: true)
        self.queues = try .open("queues", in: transaction, create: true)
        self.addresses = try .open("addresses", in: transaction, create: true)
        var records: [RecordKind: LMDBDatabase] = [:]
        for kind in RecordKind.allCases {
            records[kind] = try .open(kind.rawValue, in: transaction, create: true)
        }
        self.records = records
    }

    /// Pages reachable from the current root (every database, LMDB's own included): what is
    /// not counted is free or not yet allocated, and can be used by the next transactions.
    func livePages(in transaction: LMDBTransaction) throws -> Int {
        var databases = [self.meta, self.messages, self.referenceCounts, self.entries, self.queues, self.addresses]
        databases += self.records.values
        databases += [LMDBDatabase.main, LMDBDatabase.freeList]
        return try databases.reduce(2) { try $0 + $1.pageCount(in: transaction) }  // 2 meta pages
    }

    func database(for kind: RecordKind) -> LMDBDatabase {
        // Every kind is opened in init.
        self.records[kind]!
    }
}

/// Fixed-width big-endian keys.
enum StoreKey {
    @inline(__always)
    static func withMessageKey<Result>(_ id: MessageID, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withUnsafeBytes(of: id.rawValue.bigEndian, body)
    }

    @inline(__always)
    static func withQueueKey<Result>(_ id: QueueID, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withUnsafeBytes(of: id.rawValue.bigEndian, body)
    }

    static func messageID(_ bytes: UnsafeRawBufferPointer) -> MessageID? {
        guard bytes.count == 8 else { return nil }
        return MessageID(UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)))
    }

    static func queueID(_ bytes: UnsafeRawBufferPointer) -> QueueID? {
        guard bytes.count == 4 else { return nil }
        return QueueID(UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self)))
    }

    static func uint32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        bytes.count == 4 ? UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self)) : 0
    }
}
