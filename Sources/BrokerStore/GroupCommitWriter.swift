import Foundation
import LMDB
import Logging
import NIOConcurrencyHelpers

/// The single thread that owns LMDB's write transaction.
///
/// Callers submit operations with a completion; the thread takes everything pending,
/// applies it in one transaction, commits (and syncs) once, then completes every
/// submitter in submission order. A batch is whatever arrived while the previous commit
/// was syncing, so a lone producer pays one commit and many producers share one.
///
/// The one wait: a batch of only deferrable submissions (acknowledged entries to remove,
/// which nobody waits for) is held up to the configured `deferralLimit` for a submission
/// that must be durable to carry it. At a steady low rate each message then costs one commit instead of
/// two (its store and, a moment later, its removal), and a producer never finds the
/// writer busy syncing a removal. Losing a deferred removal to a crash redelivers the
/// message, which at-least-once allows.
final class GroupCommitWriter: @unchecked Sendable {
    // @unchecked: `pending`, `hasUrgentWork`, `oldestDeferred` and `runState` are only
    // touched under `condition`; `queues` and the LMDB write path only on the writer
    // thread; `queueSnapshot` under its own lock.

    typealias Completion = @Sendable (Result<CommitReceipt, StoreError>) -> Void

    struct Submission {
        var operations: [StoreOperation]
        var completion: Completion
        /// What it holds in memory until committed (see `StoreIntake`).
        var pendingMemory: Int
    }

    private enum RunState { case running, closing, closed }

    private let environment: LMDBEnvironment
    private let schema: StoreSchema
    private let mapLock: ReadWriteLock
    private let configuration: StoreConfiguration
    private let logger: Logger
    private let statistics: StoreStatistics
    private let intake: StoreIntake
    private let mappedPageRelease: MappedPageRelease
    /// Transactions that add data may leave at most this many pages in use; the rest of
    /// `maxSize` is kept for removals, which need fresh pages too (copy-on-write), so that
    /// consumers can still acknowledge and free space when the store is full.
    private let dataPageLimit: Int
    private let pageSize: Int

    private let condition = NSCondition()
    private var pending: [Submission] = []
    /// Whether anything pending must not wait (see `StoreConfiguration.deferralLimit`).
    private var hasUrgentWork = false
    /// When the oldest pending deferrable submission arrived, while only such are pending.
    private var oldestDeferred: ContinuousClock.Instant?
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
        intake: StoreIntake,
        mappedPageRelease: MappedPageRelease,
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
        self.intake = intake
        self.mappedPageRelease = mappedPageRelease
        self.logger = logger
        self.pageSize = environment.pageSize
        let maxPages = configuration.maxSize / self.pageSize
        self.dataPageLimit = maxPages - min(max(64, maxPages / 64), 4096, maxPages / 4)
    }

    /// Linux keeps 15 bytes of a thread's name.
    static let threadName = "outpost-writer"

    func start() {
        let thread = Thread { [self] in
            // Set from the thread itself: on Linux a name given before `start` does not reach the
            // kernel, and the thread showed (in top, perf) the name of the thread that opened the
            // store. `pthread_setname_np` is not in the Glibc module; the kernel takes it here too.
            #if os(Linux)
            let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            if descriptor >= 0 {
                _ = Self.threadName.withCString { write(descriptor, $0, strlen($0)) }
                Glibc.close(descriptor)
            }
            #endif
            self.run()
        }
        thread.name = Self.threadName
        thread.start()
    }

    var queueRecords: [QueueID: QueueRecord] { self.queueSnapshot.withLockedValue { $0 } }

    func afterEachCommit(_ handler: @escaping @Sendable () -> Void) {
        self.afterCommitHandlers.withLockedValue { $0.append(handler) }
    }

    /// Adds a submission. `wakesWriter: false` leaves a waiting thread asleep until `wake` (or
    /// another submission) wakes it: for a caller with something more pressing to do first.
    func submit(_ operations: [StoreOperation], deferrable: Bool, wakesWriter: Bool = true, completion: @escaping Completion) {
        let pendingMemory = operations.reduce(0) { $0 + $1.pendingMemory }
        self.condition.lock()
        guard case .running = self.runState else {
            self.condition.unlock()
            completion(.failure(.closed()))
            return
        }
        self.intake.submitted(bytes: pendingMemory)
        self.pending.append(Submission(operations: operations, completion: completion, pendingMemory: pendingMemory))
        if !deferrable {
            self.hasUrgentWork = true
        } else if self.oldestDeferred == nil {
            self.oldestDeferred = .now
        }
        self.condition.unlock()
        // Signalled after unlocking: signalled under the lock, the woken thread blocked on the
        // lock at once and was woken a second time by the unlock (two switches instead of one).
        // Nothing is lost: the thread checks `pending` under the lock before it waits.
        if wakesWriter { self.condition.signal() }
    }

    /// Wakes the thread for submissions made with `wakesWriter: false`.
    func wake() {
        self.condition.signal()
    }

    /// Wakes the thread if it waits with nothing to do, so that it notices pages another thread
    /// touched and releases them once the store is quiet (see `MappedPageRelease`).
    func notePagesTouched() {
        self.condition.lock()
        self.condition.signal()
        self.condition.unlock()
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
        self.condition.signal()
        self.condition.unlock()
        self.finished.lock(whenValue: 1)
        self.finished.unlock()
    }

    private func run() {
        self.condition.lock()
        while true {
            while self.pending.isEmpty, self.runState == .running {
                guard self.mappedPageRelease.hasTouchedPages else {
                    self.condition.wait()
                    continue
                }
                // Quiet for a moment with pages still mapped: release them (outside the lock).
                let woken = self.condition.wait(until: Date(timeIntervalSinceNow: MappedPageRelease.quietDelay.timeInterval))
                if !woken, self.pending.isEmpty, self.mappedPageRelease.hasTouchedPages {
                    self.condition.unlock()
                    self.mappedPageRelease.release(self.environment)
                    self.condition.lock()
                }
            }
            // Only deferrable work: wait for urgent work or the deferral limit, whichever first.
            while !self.hasUrgentWork, self.runState == .running, let oldest = self.oldestDeferred {
                let remaining = oldest + self.configuration.deferralLimit - .now
                guard remaining > .zero else { break }
                _ = self.condition.wait(until: Date(timeIntervalSinceNow: remaining.timeInterval))
            }
            let batch = self.pending
            self.pending.removeAll(keepingCapacity: true)
            self.hasUrgentWork = false
            self.oldestDeferred = nil
            if self.runState == .closing && batch.isEmpty {
                self.runState = .closed
                break
            }
            self.condition.unlock()
            self.commit(batch)
            for handler in self.afterCommitHandlers.withLockedValue({ $0 }) { handler() }
            self.condition.lock()
        }
        self.condition.unlock()
        self.finished.lock()
        self.finished.unlock(withValue: 1)
    }

    private func commit(_ batch: [Submission]) {
        defer {
            // Committed or refused, the batch no longer holds memory once its completions ran.
            self.intake.finished(bytes: batch.reduce(0) { $0 + $1.pendingMemory })
            // The commit's own pages (its operations counted theirs as they went, see `attempt`).
            self.pagesTouched(bytes: MappedPageRelease.perCommit)
        }
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
            let shortLived = ShortLivedEntries(batch.lazy.map(\.operations))
            var applier = OperationApplier(
                transaction: transaction,
                schema: self.schema,
                queues: self.queues,
                messageAppendFloor: self.messageAppendFloor,
                shortLived: shortLived,
                pageSize: self.pageSize
            )
            applier.pagesTouched = { self.pagesTouched(bytes: $0) }
            do {
                for submission in batch {
                    for operation in submission.operations {
                        try applier.apply(operation)
                    }
                }
                try applier.finish()
                if batch.contains(where: { $0.operations.contains(where: \.addsData) }),
                    try self.schema.livePages(in: transaction) > self.dataPageLimit
                {
                    throw LMDBError.mapFull  // refused like a full map: see `dataPageLimit`
                }
                let transactionID = transaction.id
                try transaction.commit()
                self.messageAppendFloor = applier.messageAppendFloor
                self.statistics.recordShortLivedEntries(shortLived.count)
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

    /// Copy-on-write reads the pages a transaction changes through the map (see
    /// `MappedPageRelease`). This thread is the only one that resizes the map, so it may release it
    /// here, in the middle of a transaction too: the map is read-only and a released page faults
    /// back in from the page cache unchanged (the transaction writes its pages at commit).
    private func pagesTouched(bytes: Int) {
        if self.mappedPageRelease.touched(bytes: bytes) == .releaseNow {
            self.mappedPageRelease.release(self.environment)
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

extension Duration {
    /// In seconds, for `NSCondition.wait(until:)`.
    fileprivate var timeInterval: TimeInterval {
        Double(self.components.seconds) + Double(self.components.attoseconds) * 1e-18
    }
}
