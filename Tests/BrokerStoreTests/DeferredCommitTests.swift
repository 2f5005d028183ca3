import BrokerStore
import BrokerTestSupport
import NIOConcurrencyHelpers
import Testing

/// Deferrable submissions (removals nobody waits for) ride on the next commit that must be made.
@Suite("Deferred commits")
struct DeferredCommitTests {
    /// A store whose deferrable submissions may wait `deferralLimit`.
    func withStore(deferralLimit: Duration, _ body: (MessageStore, QueueRecord) async throws -> Void) async throws {
        try await withStoreFixture(.lmdbDefault) { fixture in
            var configuration = fixture.configuration
            configuration.deferralLimit = deferralLimit
            let store = try MessageStore(configuration: configuration)
            defer { store.close() }
            let queue = try await createQueue(store, name: "orders")
            try await body(store, queue)
        }
    }

    /// Stores a message, then submits its removal (deferrable); the box gets the removal's receipt.
    func storeAndSubmitItsRemoval(
        _ store: MessageStore,
        _ queue: QueueRecord
    ) async throws -> (StoredMessage, NIOLockedValueBox<CommitReceipt?>) {
        let message = makeMessage(store)
        _ = try await store.commit([.storeMessage(message, queues: [queue.id])])
        let removal = NIOLockedValueBox<CommitReceipt?>(nil)
        store.submit([.removeEntry(EntryKey(queue: queue.id, priority: message.priority, message: message.id))], deferrable: true) { result in
            removal.withLockedValue { $0 = try? result.get() }
        }
        return (message, removal)
    }

    @Test func aRemovalWaitsForTheNextDurableCommitAndSharesIt() async throws {
        try await self.withStore(deferralLimit: .seconds(30)) { store, queue in
            let (first, removal) = try await self.storeAndSubmitItsRemoval(store, queue)
            // Nothing durable to ride on: the removal waits (its limit is far away).
            #expect(!eventually(timeout: .milliseconds(200)) { removal.withLockedValue { $0 } != nil })
            let stored = try await store.commit([.storeMessage(makeMessage(store), queues: [queue.id])])
            #expect(eventually { removal.withLockedValue { $0 } != nil })
            #expect(removal.withLockedValue { $0?.transactionID } == stored.transactionID)
            let remaining = try store.read { try $0.page(of: queue.id, after: nil, maxCount: 10, maxBytes: .max).items.map(\.entry.key.message) }
            #expect(!remaining.contains(first.id))
        }
    }

    /// A front end submits its read batch's messages without waking the writer and wakes it once
    /// it has handed them to their consumers (`EarlyAdmissions`).
    @Test func aSubmissionThatDoesNotWakeTheWriterWaitsForWakeWriter() async throws {
        try await self.withStore(deferralLimit: .seconds(30)) { store, queue in
            let (_, removal) = try await self.storeAndSubmitItsRemoval(store, queue)
            // The writer takes the removal and waits (up to 30 s) for urgent work to carry it.
            #expect(!eventually(timeout: .milliseconds(200)) { removal.withLockedValue { $0 } != nil })
            let stored = NIOLockedValueBox<CommitReceipt?>(nil)
            store.submit([.storeMessage(makeMessage(store), queues: [queue.id])], wakesWriter: false) { result in
                stored.withLockedValue { $0 = try? result.get() }
            }
            #expect(!eventually(timeout: .milliseconds(200)) { stored.withLockedValue { $0 } != nil })
            store.wakeWriter()
            #expect(eventually { stored.withLockedValue { $0 } != nil })
            #expect(eventually { removal.withLockedValue { $0 } != nil })
            #expect(removal.withLockedValue { $0?.transactionID } == stored.withLockedValue { $0?.transactionID })
        }
    }

    @Test func aRemovalAloneIsCommittedAtItsLimit() async throws {
        try await self.withStore(deferralLimit: .milliseconds(20)) { store, queue in
            let message = makeMessage(store)
            _ = try await store.commit([.storeMessage(message, queues: [queue.id])])
            let key = EntryKey(queue: queue.id, priority: message.priority, message: message.id)
            let clock = ContinuousClock()
            let started = clock.now
            _ = try await withCheckedThrowingContinuation { continuation in
                store.submit([.removeEntry(key)], deferrable: true) { continuation.resume(with: $0) }
            }
            #expect(clock.now - started >= .milliseconds(20))
            #expect(try store.read { try $0.page(of: queue.id, after: nil, maxCount: 10, maxBytes: .max).items.isEmpty })
        }
    }

    @Test func closingCommitsDeferredWorkAtOnce() async throws {
        try await withStoreFixture(.lmdbDefault) { fixture in
            var configuration = fixture.configuration
            configuration.deferralLimit = .seconds(30)
            let store = try MessageStore(configuration: configuration)
            let queue = try await createQueue(store, name: "orders")
            let message = makeMessage(store)
            _ = try await store.commit([.storeMessage(message, queues: [queue.id])])
            let committed = NIOLockedValueBox(false)
            store.submit([.removeEntry(EntryKey(queue: queue.id, priority: message.priority, message: message.id))], deferrable: true) { result in
                committed.withLockedValue { $0 = (try? result.get()) != nil }
            }
            store.close()  // returns after the pending removal was committed, not 30 s later
            #expect(committed.withLockedValue { $0 })
            let reopened = try MessageStore(configuration: configuration)
            defer { reopened.close() }
            #expect(try reopened.read { try $0.page(of: queue.id, after: nil, maxCount: 10, maxBytes: .max).items.isEmpty })
        }
    }
}
