import BrokerStore
import BrokerTestSupport
import NIOConcurrencyHelpers
import Testing

/// `MessageStore.afterEachCommit`: handlers run on the writer thread once the completions of a
/// commit have run, before any completion of the next commit.
@Suite("After each commit")
struct AfterEachCommitTests {
    private enum Event: Equatable {
        case completion(transaction: Int)
        case afterCommit
    }

    @Test(arguments: allSyncModes)
    func handlersRunAfterEveryCommitsCompletions(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            let store = try fixture.open()
            defer { store.close() }
            let queue = try await createQueue(store, name: "q")
            let events = NIOLockedValueBox<[Event]>([])
            let commitsBefore = store.statistics.snapshot.commits
            store.afterEachCommit { events.withLockedValue { $0.append(.afterCommit) } }
            let submissions = 200
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<submissions {
                    let message = makeMessage(store)
                    group.addTask {
                        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                            store.submit([.storeMessage(message, queues: [queue.id])]) { result in
                                if case .success(let receipt) = result {
                                    events.withLockedValue { $0.append(.completion(transaction: receipt.transactionID)) }
                                }
                                continuation.resume(with: result.map { _ in () })
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let commits = store.statistics.snapshot.commits - commitsBefore
            // The last commit's handler runs just after its completions: wait for it.
            #expect(eventually { events.withLockedValue { $0.filter { $0 == .afterCommit }.count } == commits })
            // Between two handler runs: the completions of exactly one commit.
            var groups: [[Int]] = [[]]
            for event in events.withLockedValue({ $0 }) {
                switch event {
                case .completion(let transaction): groups[groups.count - 1].append(transaction)
                case .afterCommit: groups.append([])
                }
            }
            #expect(groups.removeLast().isEmpty)
            #expect(groups.count == commits)
            #expect(groups.allSatisfy { !$0.isEmpty && Set($0).count == 1 })
            #expect(groups.map { $0[0] } == groups.map { $0[0] }.sorted())
            #expect(groups.joined().count == submissions)
        }
    }
}
