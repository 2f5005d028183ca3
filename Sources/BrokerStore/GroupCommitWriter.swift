import Foundation
import LMDB
import Logging
import NIOConcurrencyHelpers

/// The single thread that owns LMDB's write transaction.
///
/// Callers submit operations with a completion; the thread takes everything pending,
/// applies it in one transaction, commits (and syncs) once, then completes every
/// submitter in submission order. There is no timer: a batch is whatever arrived
/// while the previous commit was syncing, so a lone producer pays one commit and
/// many producers share one.
final class GroupCommitWriter: @unchecked Sendable {
    // @unchecked: `pending`/`state` are only touched under `condition`; `queues` and
    // the LMDB write path only on the writer thread; `queueSnapshot` under its own lock.

    typealias Completion = @Sendable (Result<CommitReceipt, StoreError>) -> Void

    struct Submission {
        var operations: [StoreOperation]
        var completion: Completion
    }

    private enum RunState { case running, closing, closed }
    private static let noWork = 0
    private static let hasWork = 1

    private let environment: LMDBEnvironment
    private let schema: StoreSchema
    private let mapLock: ReadWriteLock
    private let configuration: StoreConfiguration
    private let logger: Logger
    private let statistics: StoreStatistics
    /// Transactions that add data may leave at most this many pages in use; the rest of
    /// `maxSize` is kept for removals, which need fresh pages too (copy-on-write), so that
    /// consumers can still acknowledge and free space when the store is full.
    private let dataPageLimit: Int

    private let condition = ConditionLock(value: GroupCommitWriter.noWork)
    private var pending: [Submission] = []
    private var runState = RunState.running
    private let finished = ConditionLock(value: 0)

    /// Writer-thread state: no key in `messages` is larger (see OperationApplier).
    private var messageAppendFloor: UInt64
    /// Writer-thread state: the queue records as of the last commit.
    private var queues: [QueueID: QueueRecord]
    /// A copy of `queues` for other threads, replaced after each commit.
    private let queueSnapshot: NIOLockedValueBox<[QueueID: QueueRecord]>
    /// Run on this thread once the completions of a commit have run (see `MessageStore.afterEachCommit`).
    private let afterCommitHandlers = NIOLockedValueBox<[@Sendable () -> Void]>([])

    init(
        environment: LMDBEnvironment,
        schema: StoreSchema,
        mapLock: ReadWriteLock,
        configuration: StoreConfiguration,
        queues: [QueueID: QueueRecord],
        lastMessageID: UInt64,
        statistics: StoreStatistics,
        logger: Logger
    ) {
        self.messageAppendFloor = lastMessageID
        self.environment = environment
        self.schema = schema
        self.mapLock = mapLock
        self.configuration = configuration
        self.queues = queues
        self.queueSnapshot = NIOLockedValueBox(queues)
        self.statistics = statistics
        self.logger = logger
        let maxPages = configuration.maxSize / environment.pageSize
        self.dataPageLimit = maxPages - min(max(64, maxPages / 64), 4096, maxPages / 4)
    }

    func start() {
        let thread = Thread { [self] in self.run() }
        thread.name = "outpost-store-writer"
        thread.start()
    }

    var queueRecords: [QueueID: QueueRecord] { self.queueSnapshot.withLockedValue { $0 } }

    func afterEachCommit(_ handler: @escaping @Sendable () -> Void) {
        self.afterCommitHandlers.withLockedValue { $0.append(handler) }
    }

    func submit(_ operations: [StoreOperation], completion: @escaping Completion) {
        self.condition.lock()
        guard case .running = self.runState else {
            self.condition.unlock()
            completion(.failure(.closed()))
            return
        }
        self.pending.append(Submission(operations: operations, completion: completion))
        self.condition.unlock(withValue: Self.hasWork)
    }

    /// Stops accepting work, commits what is pending, and waits for the thread to end.
    func close() {
        self.condition.lock()
        guard case .running = self.runState else {
            self.condition.unlock()
            self.finished.lock(whenValue: 1)
            self.finished.unlock()
            return
        }
        self.runState = .closing
        self.condition.unlock(withValue: Self.hasWork)
        self.finished.lock(whenValue: 1)
        self.finished.unlock()
    }

    private func run() {
        while true {
            self.condition.lock(whenValue: Self.hasWork)
            let batch = self.pending
            self.pending.removeAll(keepingCapacity: true)
            let closing = self.runState == .closing
            if closing && batch.isEmpty {
                self.runState = .closed
                self.condition.unlock(withValue: Self.noWork)
                break
            }
            self.condition.unlock(withValue: closing ? Self.hasWork : Self.noWork)
            self.commit(batch)
            for handler in self.afterCommitHandlers.withLockedValue({ $0 }) { handler() }
        }
        self.finished.lock()
        self.finished.unlock(withValue: 1)
    }

    private func commit(_ batch: [Submission]) {
        let started = DispatchTime.now().uptimeNanoseconds
        var outcome = self.attempt(batch)
        // A full map: grow it while the limit allows, then refuse what adds data.
        while case .failure(let error) = outcome, (error as? LMDBError) == .mapFull {
            if self.growMap() {
                outcome = self.attempt(batch)
                continue
            }
            let refused = batch.filter { $0.operations.contains(where: \.addsData) }
            let accepted = batch.filter { !$0.operations.contains(where: \.addsData) }
            let full = StoreError.full(maxSize: self.configuration.maxSize)
            self.logger.warning("store full; refusing new messages", metadata: ["outpost.store.max-size": "\(self.configuration.maxSize)"])
            self.statistics.recordRefusals(refused.count)  // before the completions, which may read it
            for submission in refused { submission.completion(.failure(full)) }
            if accepted.isEmpty { return }
            self.commitOrFail(accepted, started: started)
            return
        }
        self.finish(batch, outcome: outcome, started: started)
    }

    private func commitOrFail(_ batch: [Submission], started: UInt64) {
        let outcome = self.attempt(batch)
        if case .failure(let error) = outcome, (error as? LMDBError) == .mapFull {
            let full = StoreError.full(maxSize: self.configuration.maxSize)
            for submission in batch { submission.completion(.failure(full)) }
            return
        }
        self.finish(batch, outcome: outcome, started: started)
    }

    private func finish(_ batch: [Submission], outcome: Result<CommitReceipt, Error>, started: UInt64) {
        switch outcome {
        case .success(let receipt):
            self.statistics.recordCommit(
                submissions: batch.count,
                nanoseconds: DispatchTime.now().uptimeNanoseconds - started
            )
            for submission in batch { submission.completion(.success(receipt)) }
        case .failure(let error):
            self.logger.error("store commit failed", metadata: ["outpost.store.error": "\(error)"])
            let storeError = error as? StoreError ?? StoreError.io("commit failed: \(error)")
            for submission in batch { submission.completion(.failure(storeError)) }
        }
    }

    /// Applies the whole batch in one transaction and commits it durably.
    private func attempt(_ batch: [Submission]) -> Result<CommitReceipt, Error> {
        do {
            let transaction = try self.environment.beginWriteTransaction()
            var applier = OperationApplier(
                transaction: transaction,
                schema: self.schema,
                queues: self.queues,
                messageAppendFloor: self.messageAppendFloor
            )
            do {
                for submission in batch {
                    for operation in submission.operations {
                        try applier.apply(operation)
                    }
                }
                try applier.writeTouchedQueues()
                try applier.writeHighestMessageID()
                if batch.contains(where: { $0.operations.contains(where: \.addsData) }),
                    try self.schema.livePages(in: transaction) > self.dataPageLimit
                {
                    throw LMDBError.mapFull  // refused like a full map: see `dataPageLimit`
                }
                let transactionID = transaction.id
                try transaction.commit()
                self.messageAppendFloor = applier.messageAppendFloor
                if self.configuration.syncMode == .singleExplicitSync {
                    try self.environment.sync(force: true)
                }
                if !applier.touchedQueues.isEmpty {
                    self.queues = applier.queues
                    let snapshot = applier.queues
                    self.queueSnapshot.withLockedValue { $0 = snapshot }
                }
                return .success(CommitReceipt(transactionID: transactionID))
            } catch {
                transaction.abort()
                throw error
            }
        } catch {
            return .failure(error)
        }
    }

    /// Doubles the map, up to `maxSize`. Returns false when it is already there.
    private func growMap() -> Bool {
        let current = self.environment.info.mapSize
        guard current < self.configuration.maxSize else { return false }
        let target = min(current * 2, self.configuration.maxSize)
        do {
            try self.mapLock.withWriteLock { try self.environment.setMapSize(target) }
            self.logger.info("store map grown", metadata: ["outpost.store.map-size": "\(target)"])
            return true
        } catch {
            self.logger.error("store map growth failed", metadata: ["outpost.store.error": "\(error)"])
            return false
        }
    }
}
