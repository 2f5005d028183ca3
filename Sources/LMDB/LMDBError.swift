import CLMDB

/// An error returned by the LMDB C library, carrying LMDB's code and message.
///
/// Well-known codes are exposed as static members so callers can match them
/// (`error == .mapFull`) and act on them instead of parsing messages.
public struct LMDBError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The raw return code of the failing `mdb_*` call (an LMDB code or an errno value).
    public let code: Int32

    public init(code: Int32) {
        self.code = code
    }

    /// LMDB's own description of the code.
    public var message: String {
        guard let cString = mdb_strerror(self.code) else { return "unknown LMDB error \(self.code)" }
        return String(cString: cString)
    }

    public var description: String { "LMDB error \(self.code): \(self.message)" }

    public static let keyExists = LMDBError(code: MDB_KEYEXIST)
    public static let notFound = LMDBError(code: MDB_NOTFOUND)
    public static let mapFull = LMDBError(code: MDB_MAP_FULL)
    public static let readersFull = LMDBError(code: MDB_READERS_FULL)
    public static let transactionFull = LMDBError(code: MDB_TXN_FULL)
    public static let mapResized = LMDBError(code: MDB_MAP_RESIZED)
    public static let versionMismatch = LMDBError(code: MDB_VERSION_MISMATCH)
    public static let invalid = LMDBError(code: MDB_INVALID)
    public static let corrupted = LMDBError(code: MDB_CORRUPTED)
    public static let databasesFull = LMDBError(code: MDB_DBS_FULL)
    /// The data directory is locked by another process (`EAGAIN`/`EWOULDBLOCK` from the lock file).
    public static let busy = LMDBError(code: 11)
}

/// Turns an LMDB return code into a thrown ``LMDBError``.
@inline(__always)
func check(_ returnCode: Int32) throws {
    if returnCode != 0 {
        throw LMDBError(code: returnCode)
    }
}
