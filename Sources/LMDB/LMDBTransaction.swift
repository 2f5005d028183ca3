import CLMDB

/// A read or write transaction, committed or aborted exactly once (an unfinished
/// transaction is aborted when released).
///
/// Bytes handed out by the closure-based `get` and by cursors point into the memory
/// map and are valid only until the transaction ends, so they never escape the closure.
/// Not Sendable: LMDB allows a transaction to be used by one thread at a time only.
public final class LMDBTransaction {
    let pointer: OpaquePointer
    public let isReadOnly: Bool
    private var isFinished = false

    init(environment: LMDBEnvironment, readOnly: Bool) throws {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(environment.pointer, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn))
        guard let txn else { throw LMDBError.invalid }
        self.pointer = txn
        self.isReadOnly = readOnly
    }

    deinit {
        if !self.isFinished {
            mdb_txn_abort(self.pointer)
        }
    }

    /// The snapshot this transaction sees (for a write transaction, the one it creates).
    public var id: Int { Int(mdb_txn_id(self.pointer)) }

    public func commit() throws {
        precondition(!self.isFinished, "LMDB transaction finished twice")
        self.isFinished = true
        try check(mdb_txn_commit(self.pointer))
    }

    public func abort() {
        guard !self.isFinished else { return }
        self.isFinished = true
        mdb_txn_abort(self.pointer)
    }

    /// Calls `body` with the value stored under `key`, or returns nil when there is none.
    public func get<Result>(
        _ database: LMDBDatabase,
        key: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result? {
        var keyVal = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var value = MDB_val()
        let code = mdb_get(self.pointer, database.handle, &keyVal, &value)
        if code == MDB_NOTFOUND { return nil }
        try check(code)
        return try body(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }

    /// Calls `body` with the value stored under `key`, or returns nil when there is none.
    public func get<Result>(
        _ database: LMDBDatabase,
        key: [UInt8],
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result? {
        try key.withUnsafeBytes { try self.get(database, key: $0, body) }
    }

    /// The value stored under `key`, copied out, or nil.
    public func get(_ database: LMDBDatabase, key: [UInt8]) throws -> [UInt8]? {
        try self.get(database, key: key) { Array($0) }
    }

    /// Stores `value` under `key`, replacing an existing value.
    public func put(_ database: LMDBDatabase, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws {
        var keyVal = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var valueVal = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_put(self.pointer, database.handle, &keyVal, &valueVal, 0))
    }

    /// Stores `value` under `key`, replacing an existing value.
    public func put(_ database: LMDBDatabase, key: [UInt8], value: [UInt8]) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in
                try self.put(database, key: keyBytes, value: valueBytes)
            }
        }
    }

    /// Reserves `size` bytes under `key` and lets `fill` write the value straight into
    /// the map, saving the copy of an intermediate buffer.
    ///
    /// With `append`, the key must be larger than every key in the database (LMDB then
    /// fills pages completely instead of splitting them); a smaller key throws `.keyExists`.
    public func put(
        _ database: LMDBDatabase,
        key: UnsafeRawBufferPointer,
        reservingBytes size: Int,
        append: Bool = false,
        fill: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws {
        var keyVal = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var value = MDB_val(mv_size: size, mv_data: nil)
        let flags = UInt32(MDB_RESERVE) | (append ? UInt32(MDB_APPEND) : 0)
        try check(mdb_put(self.pointer, database.handle, &keyVal, &value, flags))
        try fill(UnsafeMutableRawBufferPointer(start: value.mv_data, count: size))
    }

    /// Deletes `key`. Returns false when it was not there.
    @discardableResult
    public func delete(_ database: LMDBDatabase, key: UnsafeRawBufferPointer) throws -> Bool {
        var keyVal = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let code = mdb_del(self.pointer, database.handle, &keyVal, nil)
        if code == MDB_NOTFOUND { return false }
        try check(code)
        return true
    }

    /// Deletes `key`. Returns false when it was not there.
    @discardableResult
    public func delete(_ database: LMDBDatabase, key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { try self.delete(database, key: $0) }
    }

    /// Removes every entry of `database` (the database itself stays).
    public func empty(_ database: LMDBDatabase) throws {
        try check(mdb_drop(self.pointer, database.handle, 0))
    }

    /// Opens a cursor over `database`, closed when `body` returns.
    public func withCursor<Result>(_ database: LMDBDatabase, _ body: (LMDBCursor) throws -> Result) throws -> Result {
        let cursor = try LMDBCursor(transaction: self, database: database)
        defer { cursor.close() }
        return try body(cursor)
    }
}

@available(*, unavailable)
extension LMDBTransaction: Sendable {}
