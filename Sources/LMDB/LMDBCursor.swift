import CLMDB

/// A position in a database, for walking keys in byte order.
///
/// Keys and values passed to the callbacks point into the map and are valid only
/// inside the callback.
public final class LMDBCursor {
    private let pointer: OpaquePointer
    private let transaction: LMDBTransaction
    private var isClosed = false

    public typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    init(transaction: LMDBTransaction, database: LMDBDatabase) throws {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(transaction.pointer, database.handle, &cursor))
        guard let cursor else { throw LMDBError.invalid }
        self.pointer = cursor
        self.transaction = transaction
    }

    deinit {
        self.close()
    }

    func close() {
        guard !self.isClosed else { return }
        self.isClosed = true
        mdb_cursor_close(self.pointer)
    }

    private func position(_ operation: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil) throws -> Entry? {
        var keyVal = MDB_val(mv_size: key?.count ?? 0, mv_data: UnsafeMutableRawPointer(mutating: key?.baseAddress))
        var value = MDB_val()
        let code = mdb_cursor_get(self.pointer, &keyVal, &value, operation)
        if code == MDB_NOTFOUND { return nil }
        try check(code)
        return (
            UnsafeRawBufferPointer(start: keyVal.mv_data, count: keyVal.mv_size),
            UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
        )
    }

    public func first() throws -> Entry? { try self.position(MDB_FIRST) }
    public func last() throws -> Entry? { try self.position(MDB_LAST) }
    public func next() throws -> Entry? { try self.position(MDB_NEXT) }
    public func previous() throws -> Entry? { try self.position(MDB_PREV) }
    public func current() throws -> Entry? { try self.position(MDB_GET_CURRENT) }

    /// Positions at the first key greater than or equal to `key`.
    public func seek(atOrAfter key: UnsafeRawBufferPointer) throws -> Entry? {
        try self.position(MDB_SET_RANGE, key: key)
    }

    public func seek(atOrAfter key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { try self.seek(atOrAfter: $0) }
    }

    /// Deletes the entry at the cursor; the cursor then stands before the next one.
    public func deleteCurrent() throws {
        try check(mdb_cursor_del(self.pointer, 0))
    }
}

@available(*, unavailable)
extension LMDBCursor: Sendable {}
