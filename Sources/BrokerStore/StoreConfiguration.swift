/// How a store is opened.
public struct StoreConfiguration: Sendable {
    /// When a commit is made durable.
    public enum SyncMode: String, Sendable, Codable {
        /// LMDB's default: data pages are synced, then the meta page is written synchronously
        /// (two syncs per commit). A power loss can never leave a meta page that points at
        /// unwritten data.
        case lmdbDefault = "lmdb-default"
        /// `MDB_NOSYNC` plus one explicit `mdb_env_sync` per commit. One sync instead of
        /// two, but the meta page may reach the disk before the data it points at; kept
        /// only so the benchmark can compare (see docs/benchmarks.md).
        case singleExplicitSync = "single-explicit-sync"
    }

    public var directory: String
    /// The store refuses new messages once its data file would grow past this.
    public var maxSize: Int
    /// The memory map starts at this size and doubles on demand up to `maxSize`.
    public var initialMapSize: Int
    public var syncMode: SyncMode
    /// How many readers (threads reading at once) LMDB's lock table allows.
    public var maxReaders: Int
    /// Memory (bytes, estimated) that submissions waiting for the writer may hold before front
    /// ends stop reading from producers (see `StoreIntake`).
    public var intakeLimit: Int
    /// How long deferrable submissions (removals nobody waits for) may wait for a commit that
    /// has to be made anyway (see GroupCommitWriter).
    public var deferralLimit: Duration

    public static let defaultMaxSize = 4 << 30
    public static let defaultIntakeLimit = 8 << 20
    public static let defaultDeferralLimit: Duration = .milliseconds(5)

    public init(
        directory: String,
        maxSize: Int = StoreConfiguration.defaultMaxSize,
        initialMapSize: Int = 64 << 20,
        syncMode: SyncMode = .lmdbDefault,
        maxReaders: Int = 256,
        intakeLimit: Int = StoreConfiguration.defaultIntakeLimit,
        deferralLimit: Duration = StoreConfiguration.defaultDeferralLimit
    ) {
        self.directory = directory
        self.maxSize = maxSize
        self.initialMapSize = min(initialMapSize, maxSize)
        self.syncMode = syncMode
        self.maxReaders = maxReaders
        self.intakeLimit = intakeLimit
        self.deferralLimit = deferralLimit
    }
}
