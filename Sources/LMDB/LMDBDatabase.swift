import CLMDB

/// A handle to a named database inside an environment.
///
/// Handles are opened once (in a write transaction that commits) and then stay
/// valid for the life of the environment, in every transaction and thread.
public struct LMDBDatabase: Hashable, Sendable {
    let handle: MDB_dbi

    /// Opens the named database, creating it when `create` is set.
    public static func open(_ name: String, in transaction: LMDBTransaction, create: Bool) throws
        -> LMDBDatabase
    {
        var dbi: MDB_dbi = 0
        let flags = create ? UInt32(MDB_CREATE) : 0
        try check(mdb_dbi_open(transaction.pointer, name, flags, &dbi))
        return LMDBDatabase(handle: dbi)
    }

    /// LMDB's database of named databases (`MAIN_DBI`), for page accounting.
    public static let main = LMDBDatabase(handle: 1)
    /// LMDB's list of free pages (`FREE_DBI`), for page accounting.
    public static let freeList = LMDBDatabase(handle: 0)

    /// Pages the database's B-tree occupies (branch, leaf and overflow), read from its header (O(1)).
    public func pageCount(in transaction: LMDBTransaction) throws -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(transaction.pointer, self.handle, &stat))
        return stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages
    }

    /// Number of entries in the database, read from the B-tree header (O(1)).
    public func count(in transaction: LMDBTransaction) throws -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(transaction.pointer, self.handle, &stat))
        return stat.ms_entries
    }
}
