import CLMDB

/// An LMDB environment: one memory map over one data file, holding named databases.
///
/// The environment is safe to share between threads (LMDB itself is thread safe
/// for this use, and it is opened with `MDB_NOTLS` so read transactions are not
/// tied to the thread that began them). Write transactions must be used by one
/// thread at a time; the store enforces that with its single writer thread.
public final class LMDBEnvironment: @unchecked Sendable {
    // @unchecked: the only stored state is the C handle, whose thread safety LMDB
    // documents; `close` is called once, by the owner, when no transaction is open.
    private var handle: OpaquePointer?

    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Do not sync on commit; the caller syncs explicitly with ``sync(force:)``.
        public static let noSync = Flags(rawValue: UInt32(MDB_NOSYNC))
        /// Do not sync the meta page on commit.
        public static let noMetaSync = Flags(rawValue: UInt32(MDB_NOMETASYNC))
        /// Read transactions are not bound to threads (required with Swift concurrency).
        public static let noThreadLocalStorage = Flags(rawValue: UInt32(MDB_NOTLS))
        /// Do not use readahead; better for databases larger than RAM.
        public static let noReadAhead = Flags(rawValue: UInt32(MDB_NORDAHEAD))
    }

    public struct Info: Sendable {
        public var mapSize: Int
        public var lastPageNumber: Int
        public var lastTransactionID: Int
        public var maxReaders: Int
        public var readersInUse: Int
    }

    /// Opens (creating if needed) the environment in `directory`, which must exist.
    public init(directory: String, mapSize: Int, maxDatabases: Int, maxReaders: Int = 126, flags: Flags = [])
        throws
    {
        var env: OpaquePointer?
        try check(mdb_env_create(&env))
        guard let env else { throw LMDBError.invalid }
        do {
            try check(mdb_env_set_maxdbs(env, MDB_dbi(maxDatabases)))
            try check(mdb_env_set_maxreaders(env, UInt32(maxReaders)))
            try check(mdb_env_set_mapsize(env, mapSize))
            try check(mdb_env_open(env, directory, flags.rawValue | UInt32(MDB_NOTLS), 0o600))
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.handle = env
    }

    deinit {
        if let handle {
            mdb_env_close(handle)
        }
    }

    /// Closes the environment. No transaction may be open. Idempotent.
    public func close() {
        if let handle {
            mdb_env_close(handle)
            self.handle = nil
        }
    }

    var pointer: OpaquePointer {
        guard let handle else { preconditionFailure("LMDB environment used after close") }
        return handle
    }

    /// Flushes the data buffers to disk (`fdatasync`). With `force`, even under `noSync`.
    public func sync(force: Bool = true) throws {
        try check(mdb_env_sync(self.pointer, force ? 1 : 0))
    }

    /// Changes the map size. The caller must ensure that no transaction of this
    /// process is active (LMDB does not check).
    public func setMapSize(_ size: Int) throws {
        try check(mdb_env_set_mapsize(self.pointer, size))
    }

    public var info: Info {
        var raw = MDB_envinfo()
        mdb_env_info(self.pointer, &raw)
        return Info(
            mapSize: raw.me_mapsize,
            lastPageNumber: raw.me_last_pgno,
            lastTransactionID: raw.me_last_txnid,
            maxReaders: Int(raw.me_maxreaders),
            readersInUse: Int(raw.me_numreaders)
        )
    }

    /// The page size of the data file.
    public var pageSize: Int {
        var stat = MDB_stat()
        mdb_env_stat(self.pointer, &stat)
        return Int(stat.ms_psize)
    }

    /// Bytes of the map in use (up to the last allocated page).
    public var usedBytes: Int {
        (self.info.lastPageNumber + 1) * self.pageSize
    }

    /// Begins a read-only transaction. End it with ``LMDBTransaction/abort()`` or use ``read(_:)``.
    public func beginReadTransaction() throws -> LMDBTransaction {
        try LMDBTransaction(environment: self, readOnly: true)
    }

    /// Begins a write transaction. Only one may be open at a time (LMDB blocks a second).
    public func beginWriteTransaction() throws -> LMDBTransaction {
        try LMDBTransaction(environment: self, readOnly: false)
    }

    /// Runs `body` in a read-only transaction that is ended when it returns.
    public func read<Result>(_ body: (LMDBTransaction) throws -> Result) throws -> Result {
        let transaction = try self.beginReadTransaction()
        defer { transaction.abort() }
        return try body(transaction)
    }

    /// Runs `body` in a write transaction, committed when it returns and aborted when it throws.
    public func write<Result>(_ body: (LMDBTransaction) throws -> Result) throws -> Result {
        let transaction = try self.beginWriteTransaction()
        do {
            let result = try body(transaction)
            try transaction.commit()
            return result
        } catch {
            transaction.abort()
            throw error
        }
    }
}
