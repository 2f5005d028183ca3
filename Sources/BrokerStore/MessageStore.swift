import Atomics
import LMDB
import Logging
import NIOCore

/// The durable queue engine: one LMDB environment in the data directory, written by
/// one group-commit thread, read by any thread through snapshots.
///
/// Opening reads only metadata (queue records with their counters and the last message
/// id), so it takes the same time whatever the backlog.
public final class MessageStore: Sendable {
    public let configuration: StoreConfiguration
    public let statistics: StoreStatistics
    /// Memory held by submissions not yet committed: front ends pause producers when it is high.
    public let intake: StoreIntake
    private let environment: LMDBEnvironment
    private let schema: StoreSchema
    private let mapLock: ReadWriteLock
    private let writer: GroupCommitWriter
    private let directoryLock: DirectoryLock
    private let lastMessageID: ManagedAtomic<UInt64>
    private let lastQueueID: ManagedAtomic<UInt32>
    private let isClosed = ManagedAtomic(false)
    private let mappedPageRelease = MappedPageRelease()

    public init(configuration: StoreConfiguration, logger: Logger = Logger(label: "outpost.store")) throws {
        self.configuration = configuration
        try makeDirectory(configuration.directory)
        self.directoryLock = try DirectoryLock(directory: configuration.directory)

        var flags: LMDBEnvironment.Flags = [.noReadAhead]
        if configuration.syncMode == .singleExplicitSync { flags.insert(.noSync) }
        do {
            self.environment = try LMDBEnvironment(
                directory: configuration.directory,
                mapSize: configuration.initialMapSize,
                maxDatabases: StoreSchema.databaseCount,
                maxReaders: configuration.maxReaders,
                flags: flags
            )
        } catch let error as LMDBError {
            throw StoreError.io("cannot open the store in \(configuration.directory): \(error)")
        }
        self.mapLock = ReadWriteLock()
        self.statistics = StoreStatistics()
        self.intake = StoreIntake(highWatermark: configuration.intakeLimit)

        // Open the schema, drop non-durable queues left by the last run, load metadata.
        let transaction = try self.environment.beginWriteTransaction()
        let schema: StoreSchema
        var queues: [QueueID: QueueRecord] = [:]
        var lastMessage: UInt64 = 0
        var lastQueue: UInt32 = 0
        do {
            schema = try StoreSchema(transaction: transaction, path: configuration.directory + "/data.mdb")
            let reader = StoreReader(transaction: transaction, schema: schema)
            for record in try reader.queues() {
                queues[record.id] = record
            }
            var applier = OperationApplier(transaction: transaction, schema: schema, queues: queues)
            for record in queues.values where !record.isDurable {
                try applier.apply(.deleteQueue(record.id))
            }
            try applier.finish()
            queues = applier.queues
            lastMessage = try transaction.withCursor(schema.messages) { cursor in
                try cursor.last().flatMap { StoreKey.messageID($0.key)?.rawValue } ?? 0
            }
            // Removed messages leave no key behind; the high-water mark remembers their ids.
            let highest = try transaction.get(schema.meta, key: StoreSchema.lastMessageIDKey) { StoreKey.messageID($0)?.rawValue }
            lastMessage = max(lastMessage, (highest ?? nil) ?? 0)
            let highestQueue = try transaction.get(schema.meta, key: StoreSchema.lastQueueIDKey) { StoreKey.queueID($0)?.rawValue }
            lastQueue = max(queues.keys.map(\.rawValue).max() ?? 0, (highestQueue ?? nil) ?? 0)
            try transaction.commit()
        } catch {
            transaction.abort()
            throw error
        }
        self.schema = schema
        self.lastMessageID = ManagedAtomic(lastMessage)
        self.lastQueueID = ManagedAtomic(lastQueue)
        self.writer = GroupCommitWriter(
            environment: self.environment,
            schema: schema,
            mapLock: self.mapLock,
            configuration: configuration,
            queues: queues,
            lastMessageID: lastMessage,
            statistics: self.statistics,
            intake: self.intake,
            mappedPageRelease: self.mappedPageRelease,
            logger: logger
        )
        self.writer.start()
    }

    /// Commits what is pending, stops the writer, closes the environment and releases the directory.
    public func close() {
        self.writer.close()
        self.mapLock.withWriteLock {
            self.isClosed.store(true, ordering: .relaxed)
            self.environment.close()
        }
        self.directoryLock.release()
    }

    /// A new message id, larger than every id stored before.
    public func nextMessageID() -> MessageID {
        MessageID(self.lastMessageID.wrappingIncrementThenLoad(ordering: .relaxed))
    }

    /// A new queue id.
    public func nextQueueID() -> QueueID {
        QueueID(self.lastQueueID.wrappingIncrementThenLoad(ordering: .relaxed))
    }

    /// Submits operations that commit together; `completion` runs on the writer thread
    /// once they are durable (or failed). Keep it short: hop to your own executor.
    ///
    /// `deferrable`: nobody waits for these (removals of acknowledged entries); they may wait a
    /// few milliseconds for a commit that must be made anyway (see GroupCommitWriter).
    public func submit(
        _ operations: [StoreOperation],
        deferrable: Bool = false,
        wakesWriter: Bool = true,
        completion: @escaping @Sendable (Result<CommitReceipt, StoreError>) -> Void
    ) {
        self.writer.submit(operations, deferrable: deferrable, wakesWriter: wakesWriter, completion: completion)
    }

    /// Wakes the writer for submissions made with `wakesWriter: false`; every such submission
    /// must be followed by this call soon (or by another submission), or it waits.
    public func wakeWriter() {
        self.writer.wake()
    }

    /// Runs `handler` on the writer thread after the completions of every commit have run, so
    /// that work they gathered can be finished once per commit (the broker hands a commit's new
    /// entries to each queue in one event). Handlers run in the order they were added.
    public func afterEachCommit(_ handler: @escaping @Sendable () -> Void) {
        self.writer.afterEachCommit(handler)
    }

    /// Submits operations and waits until they are durable.
    public func commit(_ operations: [StoreOperation]) async throws -> CommitReceipt {
        try await withCheckedThrowingContinuation { continuation in
            self.submit(operations) { continuation.resume(with: $0) }
        }
    }

    /// Runs `body` on a consistent snapshot. Blocking: call from a thread pool, not an event loop.
    public func read<Result>(_ body: (StoreReader) throws -> Result) throws -> Result {
        try self.mapLock.withReadLock {
            // Checked under the map lock, which close() holds exclusively while closing.
            guard !self.isClosed.load(ordering: .relaxed) else { throw StoreError.closed() }
            let transaction = try self.environment.beginReadTransaction()
            defer { transaction.abort() }
            var reader = StoreReader(transaction: transaction, schema: self.schema)
            let pageSize = self.environment.pageSize
            reader.messageRead = { bytes in
                // A message costs at least its page: scattered ones map a page (or more) each.
                switch self.mappedPageRelease.touched(bytes: max(bytes, pageSize)) {
                case .releaseNow: self.mappedPageRelease.release(self.environment)  // under the map lock: no resize meanwhile
                case .noteFirstTouch: self.writer.notePagesTouched()
                case .nothing: break
                }
            }
            return try body(reader)
        }
    }

    /// Queue records with their counters as of the last commit (no disk access).
    public var queues: [QueueID: QueueRecord] { self.writer.queueRecords }

    /// Bytes of the data file in use and the current map size.
    public var size: (used: Int, mapSize: Int) {
        self.mapLock.withReadLock {
            guard !self.isClosed.load(ordering: .relaxed) else { return (0, 0) }
            return (self.environment.usedBytes, self.environment.info.mapSize)
        }
    }
}
