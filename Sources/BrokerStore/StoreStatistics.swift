import Atomics

/// Counters of the writer, read by metrics and benchmarks without locks.
public final class StoreStatistics: Sendable {
    private let commits = ManagedAtomic<Int>(0)
    private let submissions = ManagedAtomic<Int>(0)
    private let commitNanoseconds = ManagedAtomic<Int>(0)
    private let refusals = ManagedAtomic<Int>(0)
    private let shortLivedEntries = ManagedAtomic<Int>(0)

    init() {}

    func recordCommit(submissions: Int, nanoseconds: UInt64) {
        self.commits.wrappingIncrement(ordering: .relaxed)
        self.submissions.wrappingIncrement(by: submissions, ordering: .relaxed)
        self.commitNanoseconds.wrappingIncrement(by: Int(nanoseconds), ordering: .relaxed)
    }

    func recordShortLivedEntries(_ count: Int) {
        self.shortLivedEntries.wrappingIncrement(by: count, ordering: .relaxed)
    }

    func recordRefusals(_ count: Int) {
        self.refusals.wrappingIncrement(by: count, ordering: .relaxed)
    }

    public struct Snapshot: Sendable {
        public var commits: Int
        public var submissions: Int
        public var commitNanoseconds: Int
        public var refusedSubmissions: Int
        /// Entries removed in the same commit that stored them, so never written (see `ShortLivedEntries`).
        public var shortLivedEntries: Int

        /// Mean submissions per commit: how well group commit is batching.
        public var meanBatchSize: Double { self.commits == 0 ? 0 : Double(self.submissions) / Double(self.commits) }
    }

    public var snapshot: Snapshot {
        Snapshot(
            commits: self.commits.load(ordering: .relaxed),
            submissions: self.submissions.load(ordering: .relaxed),
            commitNanoseconds: self.commitNanoseconds.load(ordering: .relaxed),
            refusedSubmissions: self.refusals.load(ordering: .relaxed),
            shortLivedEntries: self.shortLivedEntries.load(ordering: .relaxed)
        )
    }
}
