import CLMDBRaw

/// The baseline: liblmdb called directly, no store, no submission queue, no writer
/// thread. One named database `messages`, 8-byte big-endian keys, values of the
/// same size as the store's encoded messages.
final class RawLMDB {
    struct Failure: Error, CustomStringConvertible {
        var code: Int32
        var description: String { "LMDB error \(self.code): \(String(cString: mdb_strerror(self.code)))" }
    }

    private var env: OpaquePointer?
    private var dbi: MDB_dbi = 0
    /// `MDB_NOSYNC` plus one `mdb_env_sync(force)` after each commit, instead of
    /// LMDB's default durable commit.
    let explicitSync: Bool

    init(directory: String, mapSize: Int = 8 << 30, explicitSync: Bool = false) throws {
        self.explicitSync = explicitSync
        try check(mdb_env_create(&self.env))
        try check(mdb_env_set_maxdbs(self.env, 4))
        try check(mdb_env_set_mapsize(self.env, mapSize))
        var flags = UInt32(MDB_NOTLS) | UInt32(MDB_NORDAHEAD)
        if explicitSync { flags |= UInt32(MDB_NOSYNC) }
        try check(mdb_env_open(self.env, directory, flags, 0o600))
        var txn: OpaquePointer?
        try check(mdb_txn_begin(self.env, nil, 0, &txn))
        try check(mdb_dbi_open(txn, "messages", UInt32(MDB_CREATE), &self.dbi))
        try check(mdb_txn_commit(txn))
    }

    deinit { self.close() }

    func close() {
        if let env = self.env {
            mdb_env_close(env)
            self.env = nil
        }
    }

    /// One durable write transaction putting `count` values under consecutive ids.
    func putBatch(firstID: UInt64, count: Int, value: UnsafeRawBufferPointer) throws {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(self.env, nil, 0, &txn))
        var id = firstID
        for _ in 0..<count {
            var keyBytes = id.bigEndian
            try withUnsafeMutableBytes(of: &keyBytes) { key in
                var k = MDB_val(mv_size: key.count, mv_data: key.baseAddress)
                var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
                let rc = mdb_put(txn, self.dbi, &k, &v, 0)
                if rc != 0 {
                    mdb_txn_abort(txn)
                    throw Failure(code: rc)
                }
            }
            id &+= 1
        }
        try self.commit(txn)
    }

    /// Reads the first `count` values (copied out, as a consumer would) in a read
    /// transaction, then deletes them in one durable write transaction. Returns how many.
    func takeFirst(_ count: Int) throws -> Int {
        var keys: [UInt64] = []
        keys.reserveCapacity(count)
        var copies: [[UInt8]] = []
        copies.reserveCapacity(count)
        var rtxn: OpaquePointer?
        try check(mdb_txn_begin(self.env, nil, UInt32(MDB_RDONLY), &rtxn))
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(rtxn, self.dbi, &cursor))
        var k = MDB_val()
        var v = MDB_val()
        var rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        while rc == 0 && keys.count < count {
            keys.append(UInt64(bigEndian: UnsafeRawPointer(k.mv_data!).loadUnaligned(as: UInt64.self)))
            copies.append(Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)))
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        mdb_cursor_close(cursor)
        mdb_txn_abort(rtxn)
        if keys.isEmpty { return 0 }
        var txn: OpaquePointer?
        try check(mdb_txn_begin(self.env, nil, 0, &txn))
        for key in keys {
            var keyBytes = key.bigEndian
            try withUnsafeMutableBytes(of: &keyBytes) { raw in
                var kv = MDB_val(mv_size: raw.count, mv_data: raw.baseAddress)
                let rc = mdb_del(txn, self.dbi, &kv, nil)
                if rc != 0 {
                    mdb_txn_abort(txn)
                    throw Failure(code: rc)
                }
            }
        }
        try self.commit(txn)
        withExtendedLifetime(copies) {}
        return keys.count
    }

    private func commit(_ txn: OpaquePointer?) throws {
        try check(mdb_txn_commit(txn))
        if self.explicitSync {
            try check(mdb_env_sync(self.env, 1))
        }
    }

    private func check(_ rc: Int32) throws {
        if rc != 0 { throw Failure(code: rc) }
    }
}
