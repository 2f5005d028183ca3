import BrokerStore
import BrokerTestSupport
import Testing

/// A commit that stores an entry and removes it again writes neither (see `ShortLivedEntries`), and
/// a commit that removes several entries of one message releases its references together.
@Suite("Short-lived entries and batched reference release")
struct ShortLivedEntriesTests {
    @Test(arguments: allSyncModes)
    func entriesStoredAndRemovedInOneCommitLeaveNothing(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let queues = try await self.newsQueues(store)
            let message = makeMessage(store, address: "news", bodyLength: 200)
            _ = try await store.commit(
                [.storeMessage(message, queues: queues)] + queues.map { .removeEntry(message.entryKey(in: $0)) }
            )

            #expect(try store.message(message.id) == nil)
            #expect(try store.storedMessageCount() == 0)
            for queue in queues {
                #expect(try store.allEntries(of: queue).isEmpty)
                #expect(store.queues[queue]?.messageCount == 0)
                #expect(store.queues[queue]?.byteCount == 0)
            }
            #expect(store.statistics.snapshot.shortLivedEntries == queues.count)

            // The id is spent all the same: a reopened store never hands it out again.
            store = try fixture.reopen(store)
            defer { store.close() }
            #expect(store.nextMessageID() > message.id)
        }
    }

    @Test(arguments: allSyncModes)
    func aCopyStillQueuedKeepsTheMessageWithOneReference(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let queues = try await self.newsQueues(store)
            let message = makeMessage(store, address: "news", bodyLength: 200)
            _ = try await store.commit([
                .storeMessage(message, queues: queues),
                .removeEntry(message.entryKey(in: queues[0])),
                .removeEntry(message.entryKey(in: queues[2])),
            ])

            #expect(store.statistics.snapshot.shortLivedEntries == 2)
            #expect(try store.message(message.id) == message)
            #expect(try store.allEntries(of: queues[1]).map(\.key) == [message.entryKey(in: queues[1])])
            #expect(store.queues[queues[1]]?.messageCount == 1)
            #expect(store.queues[queues[1]]?.byteCount == UInt64(message.storedSize))
            for queue in [queues[0], queues[2]] {
                #expect(try store.allEntries(of: queue).isEmpty)
                #expect(store.queues[queue]?.messageCount == 0)
            }

            // One reference was written, so its removal takes the message.
            store = try fixture.reopen(store)
            defer { store.close() }
            _ = try await store.commit([.removeEntry(message.entryKey(in: queues[1]))])
            #expect(try store.message(message.id) == nil)
            #expect(try store.storedMessageCount() == 0)
        }
    }

    @Test(arguments: allSyncModes)
    func onlyARemovalAfterTheStoreWithoutAMoveBetweenCancelsIt(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            let store = try fixture.open()
            defer { store.close() }
            let queue = try await createQueue(store, name: "orders").id
            let deadLetters = try await createQueue(store, name: "dead-letters").id

            // A removal before the store finds nothing to remove; the entry stays.
            let first = makeMessage(store)
            _ = try await store.commit([.removeEntry(first.entryKey(in: queue)), .storeMessage(first, queues: [queue])])
            #expect(try store.allEntries(of: queue).map(\.key) == [first.entryKey(in: queue)])

            // A move needs the stored entry; the removal after it finds the entry gone.
            let second = makeMessage(store)
            _ = try await store.commit([
                .storeMessage(second, queues: [queue]),
                .moveEntry(second.entryKey(in: queue), to: deadLetters, deliveryCount: 5),
                .removeEntry(second.entryKey(in: queue)),
            ])
            #expect(try store.allEntries(of: deadLetters).map(\.key) == [second.entryKey(in: deadLetters)])
            #expect(try store.allEntries(of: deadLetters).first?.deliveryCount == 5)
            #expect(try store.message(second.id) == second)
            #expect(store.statistics.snapshot.shortLivedEntries == 0)
            #expect(store.queues[queue]?.messageCount == 1)
            #expect(store.queues[deadLetters]?.messageCount == 1)
        }
    }

    @Test(arguments: allSyncModes)
    func removalsOfOneMessageInOneCommitReleaseItsReferencesTogether(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let queues = try await self.newsQueues(store) + [try await createQueue(store, name: "d", address: "news", routingType: .multicast).id]
            let shared = makeMessage(store, address: "news", bodyLength: 300)
            let other = makeMessage(store, address: "news", bodyLength: 40)
            try await BrokerStoreTests.store([shared, other], in: queues, store)

            // Two of four copies of `shared` and all of `other`, interleaved.
            _ = try await store.commit([
                .removeEntry(shared.entryKey(in: queues[3])),
                .removeEntry(other.entryKey(in: queues[0])),
                .removeEntry(other.entryKey(in: queues[1])),
                .removeEntry(shared.entryKey(in: queues[0])),
                .removeEntry(other.entryKey(in: queues[2])),
                .removeEntry(other.entryKey(in: queues[3])),
                .removeEntry(shared.entryKey(in: queues[0])),  // again: already gone, releases nothing
            ])
            #expect(try store.message(other.id) == nil)
            #expect(try store.message(shared.id) == shared)
            #expect(store.queues[queues[0]]?.messageCount == 0)
            #expect(store.queues[queues[1]]?.messageCount == 1)
            #expect(store.queues[queues[1]]?.byteCount == UInt64(shared.storedSize))

            store = try fixture.reopen(store)
            defer { store.close() }
            _ = try await store.commit([.removeEntry(shared.entryKey(in: queues[1]))])
            #expect(try store.message(shared.id) == shared)  // one reference left
            _ = try await store.commit([.removeEntry(shared.entryKey(in: queues[2]))])
            #expect(try store.message(shared.id) == nil)
            #expect(try store.storedMessageCount() == 0)
            for queue in queues {
                #expect(store.queues[queue]?.messageCount == 0)
                #expect(store.queues[queue]?.byteCount == 0)
            }
        }
    }

    private func newsQueues(_ store: MessageStore) async throws -> [QueueID] {
        [
            try await createQueue(store, name: "a", address: "news", routingType: .multicast).id,
            try await createQueue(store, name: "b", address: "news", routingType: .multicast).id,
            try await createQueue(store, name: "c", address: "news", routingType: .multicast).id,
        ]
    }
}
