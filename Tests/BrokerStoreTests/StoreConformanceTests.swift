@testable import BrokerStore
import BrokerTestSupport
import Foundation
import LMDB
import NIOCore
import Synchronization
import Testing

/// The store conformance suite: every test runs once per store configuration (sync mode).
@Suite("Store conformance")
struct StoreConformanceTests {
    // MARK: Durability

    @Test(arguments: allSyncModes)
    func everythingSurvivesCloseAndReopen(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let orders = try await createQueue(store, name: "orders", filter: "")
            let sensors = try await createQueue(store, name: "sensors-sub", address: "sensors", routingType: .multicast, filter: "sensors/+/temp")

            let m1 = makeMessage(store, address: "orders/é", priority: 7, bodyLength: 300, expiration: 1_800_000_000_000, origin: .amqp)
            let m2 = makeMessage(store, address: "sensors/1/temp", priority: 0, bodyLength: 0, isDurable: false, origin: .mqtt)
            let m3 = makeMessage(store, priority: 9, bodyLength: 10_000)  // larger than a page: overflow pages
            let m4 = makeMessage(store, address: "sensors", priority: 4, bodyLength: 50)
            _ = try await store.commit([
                .storeMessage(m1, queues: [orders.id]),
                .storeMessage(m2, queues: [sensors.id]),
                .storeMessage(m3, queues: [orders.id]),
                .storeMessage(m4, queues: [orders.id, sensors.id]),
                .setDeliveryCount(m1.entryKey(in: orders.id), 2),
            ])
            _ = try await store.commit([
                .putAddress(AddressRecord(name: "orders", routingTypes: .anycast)),
                .putAddress(AddressRecord(name: "sensors", routingTypes: [.anycast, .multicast])),
                .putAddress(AddressRecord(name: "gone", routingTypes: .multicast)),
            ])
            _ = try await store.commit([.deleteAddress("gone")])

            var expectedRecords: [RecordKind: [(key: [UInt8], value: [UInt8])]] = [:]
            for (index, kind) in RecordKind.allCases.enumerated() {
                let keep = (key: [UInt8(index), 1], value: Array("value of \(kind.rawValue)".utf8))
                let drop = (key: [UInt8(index), 2], value: [UInt8](repeating: 7, count: 3))
                _ = try await store.commit([
                    .putRecord(kind, key: keep.key, value: keep.value),
                    .putRecord(kind, key: drop.key, value: drop.value),
                ])
                _ = try await store.commit([.deleteRecord(kind, key: drop.key)])
                expectedRecords[kind] = [keep]
            }

            let queuesBefore = store.queues
            let ordersEntries = try store.allEntries(of: orders.id)
            let sensorsEntries = try store.allEntries(of: sensors.id)
            #expect(queuesBefore[orders.id]?.messageCount == 3)
            #expect(queuesBefore[sensors.id]?.messageCount == 2)
            #expect(ordersEntries.first { $0.key.message == m1.id }?.deliveryCount == 2)

            store = try fixture.reopen(store)
            defer { store.close() }

            // Queue records with definitions and counters, in memory and on disk.
            #expect(store.queues == queuesBefore)
            #expect(try store.diskRecord(orders.id) == queuesBefore[orders.id])
            #expect(try store.diskRecord(sensors.id) == queuesBefore[sensors.id])
            #expect(store.queues[sensors.id]?.filter == "sensors/+/temp")
            #expect(store.queues[sensors.id]?.routingType == .multicast)
            #expect(store.queues[orders.id]?.byteCount == UInt64(m1.storedSize + m3.storedSize + m4.storedSize))

            // Entries and messages, field by field.
            #expect(try store.allEntries(of: orders.id) == ordersEntries)
            #expect(try store.allEntries(of: sensors.id) == sensorsEntries)
            for message in [m1, m2, m3, m4] {
                #expect(try store.message(message.id) == message)
            }
            #expect(try store.storedMessageCount() == 4)

            // Addresses and opaque records of every kind.
            let addresses = try store.read { try $0.addresses() }
            #expect(addresses == [
                AddressRecord(name: "orders", routingTypes: .anycast),
                AddressRecord(name: "sensors", routingTypes: [.anycast, .multicast]),
            ])
            for kind in RecordKind.allCases {
                let records = try store.read { try $0.records(kind) }
                #expect(records.map(\.key) == expectedRecords[kind]?.map(\.key), "\(kind)")
                #expect(records.map(\.value) == expectedRecords[kind]?.map(\.value), "\(kind)")
                let key = try #require(expectedRecords[kind]?.first?.key)
                #expect(try store.read { try $0.record(kind, key: key) } == expectedRecords[kind]?.first?.value)
                #expect(try store.read { try $0.record(kind, key: [0xFF]) } == nil)
            }

            // Counters continue past what was stored before.
            #expect(store.nextMessageID() > m4.id)
            #expect(store.nextQueueID() > sensors.id)
        }
    }

    @Test(arguments: allSyncModes)
    func messageIDsAreNotReusedAfterTheNewestMessagesWereRemoved(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let queue = try await createQueue(store, name: "q")
            let messages = (0..<3).map { _ in makeMessage(store) }
            try await BrokerStoreTests.store(messages, in: [queue.id], store)
            _ = try await store.commit(messages.dropFirst().map { .removeEntry($0.entryKey(in: queue.id)) })
            store = try fixture.reopen(store)
            defer { store.close() }
            // "A new message id, larger than every id stored before": an id that was stored,
            // acknowledged and removed must not name a different message after a restart.
            let next = store.nextMessageID()
            #expect(next > messages[2].id, "message id \(next) reused after restart (ids up to \(messages[2].id) were stored)")
        }
    }

    @Test(arguments: allSyncModes)
    func theMessageIDMarkIsRaisedInStepsNotByEveryCommit(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            let store = try fixture.open()
            defer { store.close() }
            let queue = try await createQueue(store, name: "q")
            let first = makeMessage(store)
            try await BrokerStoreTests.store([first], in: [queue.id], store)
            let mark = try store.read { try $0.messageIDMark() }
            #expect(mark == first.id.rawValue + OperationApplier.messageIDReservation)
            for _ in 0..<3 {
                try await BrokerStoreTests.store([makeMessage(store)], in: [queue.id], store)
            }
            #expect(try store.read { try $0.messageIDMark() } == mark, "a commit of ids under the mark rewrote it")
        }
    }

    // MARK: Delivery order and pages

    @Test(arguments: allSyncModes)
    func entriesWalkByPriorityThenFIFOAcrossReopen(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let before = try await createQueue(store, name: "before")
            let queue = try await createQueue(store, name: "q")
            let after = try await createQueue(store, name: "after")

            // Ids are allocated in order but submitted shuffled, in several commits.
            let messages = (0..<80).map { _ in makeMessage(store, priority: UInt8.random(in: 0...9), bodyLength: 100) }
            for chunk in messages.shuffled().chunks(ofCount: 13) {
                try await BrokerStoreTests.store(Array(chunk), in: [queue.id], store)
            }
            try await BrokerStoreTests.store([makeMessage(store, priority: 0)], in: [before.id], store)
            try await BrokerStoreTests.store([makeMessage(store, priority: 9)], in: [after.id], store)

            let expected = messages
                .sorted { ($0.priority, $1.id) > ($1.priority, $0.id) }
                .map(\.id)
            func checkOrder(_ store: MessageStore) throws {
                let entries = try store.allEntries(of: queue.id)
                #expect(entries.map(\.key.message) == expected)
                #expect(entries.allSatisfy { $0.key.queue == queue.id })
                #expect(entries.map(\.key) == entries.map(\.key).sorted())
                #expect(zip(entries, entries.dropFirst()).allSatisfy { $0.key < $1.key })
                // `entries(of:after:limit:)` continues exactly after the given key.
                let head = try store.read { try $0.entries(of: queue.id, limit: 5) }
                #expect(head == Array(entries.prefix(5)))
                let rest = try store.read { try $0.entries(of: queue.id, after: head.last?.key, limit: 1000) }
                #expect(head + rest == entries)
            }
            try checkOrder(store)
            store = try fixture.reopen(store)
            defer { store.close() }
            try checkOrder(store)
        }
    }

    @Test(arguments: allSyncModes)
    func pagesAreBoundedByCountAndBytesAndReportTheEnd(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            let store = try fixture.open()
            defer { store.close() }
            let queue = try await createQueue(store, name: "q")
            let empty = try await createQueue(store, name: "empty")
            let messages = (0..<60).map { _ in makeMessage(store, priority: UInt8.random(in: 0...9), bodyLength: 100) }
            let receipt = try await store.commit(messages.map { .storeMessage($0, queues: [queue.id]) })
            let ordered = try store.allEntries(of: queue.id)
            #expect(ordered.count == 60)

            // Count-bounded pages; 60 is a multiple of 10, so the last full page must already
            // know that it reached the end.
            for pageSize in [7, 10, 60, 100] {
                var collected: [StorePage.Item] = []
                var after: EntryKey?
                var pages = 0
                while true {
                    let page = try store.read { try $0.page(of: queue.id, after: after, maxCount: pageSize, maxBytes: .max) }
                    pages += 1
                    #expect(page.snapshotID >= receipt.transactionID)
                    #expect(page.items.count <= pageSize)
                    collected += page.items
                    after = page.items.last?.entry.key
                    if page.reachedEnd { break }
                    #expect(page.items.count == pageSize, "a page that is not the end is full")
                    if pages > 100 { Issue.record("pagination does not end"); break }
                }
                #expect(pages == (60 + pageSize - 1) / pageSize, "page size \(pageSize)")
                #expect(collected.map(\.entry) == ordered)
                let byID = Dictionary(uniqueKeysWithValues: messages.map { ($0.id, $0) })
                #expect(collected.allSatisfy { byID[$0.message.id] == $0.message })
            }
            // After the last entry: an empty page at the end.
            let tail = try store.read { try $0.page(of: queue.id, after: ordered.last?.key, maxCount: 10, maxBytes: .max) }
            #expect(tail.items.isEmpty)
            #expect(tail.reachedEnd)
            let none = try store.read { try $0.page(of: empty.id, after: nil, maxCount: 10, maxBytes: .max) }
            #expect(none.items.isEmpty && none.reachedEnd)

            // Byte-bounded pages: every message has the same stored size.
            let size = messages[0].storedSize
            #expect(messages.allSatisfy { $0.storedSize == size })
            for (maxBytes, expectedCount) in [(1, 1), (size, 1), (size + 1, 1), (2 * size, 2), (3 * size - 1, 2), (10 * size, 10)] {
                let page = try store.read { try $0.page(of: queue.id, after: nil, maxCount: 100, maxBytes: maxBytes) }
                let bytes = page.items.reduce(0) { $0 + $1.message.storedSize }
                #expect(page.items.count == expectedCount, "maxBytes \(maxBytes)")
                #expect(page.items.count == 1 || bytes <= maxBytes, "\(bytes) bytes in a page bounded to \(maxBytes)")
                #expect(!page.reachedEnd)
                #expect(page.items.map(\.entry) == Array(ordered.prefix(page.items.count)))
            }
            // One message larger than the byte bound still comes alone.
            let big = makeMessage(store, priority: 9, bodyLength: 5_000)
            try await BrokerStoreTests.store([big], in: [empty.id], store)
            let bigPage = try store.read { try $0.page(of: empty.id, after: nil, maxCount: 10, maxBytes: 100) }
            #expect(bigPage.items.map(\.message) == [big])
            #expect(bigPage.reachedEnd)
        }
    }

    // MARK: Removal, counters, multicast

    @Test(arguments: allSyncModes)
    func countersStayExactThroughRemoveMovePurgeAndDelete(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let q1 = try await createQueue(store, name: "q1")
            let q2 = try await createQueue(store, name: "q2")
            let messages = [10, 0, 500, 3_000, 77].map { makeMessage(store, priority: UInt8.random(in: 0...9), bodyLength: $0) }
            try await BrokerStoreTests.store(messages, in: [q1.id], store)

            func expectCounts(_ queue: QueueID, _ included: [StoredMessage], sourceLocation: SourceLocation = #_sourceLocation) throws {
                let count = UInt64(included.count)
                let bytes = UInt64(included.reduce(0) { $0 + $1.storedSize })
                let memory = store.queues[queue]
                let disk = try store.diskRecord(queue)
                #expect(memory?.messageCount == count && memory?.byteCount == bytes, "in memory: \(String(describing: memory))", sourceLocation: sourceLocation)
                #expect(disk == memory, sourceLocation: sourceLocation)
                #expect(try store.allEntries(of: queue).count == included.count, sourceLocation: sourceLocation)
            }
            try expectCounts(q1.id, messages)
            try expectCounts(q2.id, [])
            #expect(try store.storedMessageCount() == 5)

            // removeEntry deletes the entry and the message.
            _ = try await store.commit([.removeEntry(messages[0].entryKey(in: q1.id))])
            #expect(try store.message(messages[0].id) == nil)
            #expect(try store.storedMessageCount() == 4)
            try expectCounts(q1.id, Array(messages[1...]))
            // Removing it again, or an entry with the wrong priority, changes nothing.
            var wrongPriority = messages[1].entryKey(in: q1.id)
            wrongPriority.priority = (wrongPriority.priority + 1) % 10
            _ = try await store.commit([.removeEntry(messages[0].entryKey(in: q1.id)), .removeEntry(wrongPriority)])
            try expectCounts(q1.id, Array(messages[1...]))
            #expect(try store.message(messages[1].id) == messages[1])

            // moveEntry keeps the message and moves its bytes.
            _ = try await store.commit([.moveEntry(messages[1].entryKey(in: q1.id), to: q2.id, deliveryCount: 1)])
            try expectCounts(q1.id, Array(messages[2...]))
            try expectCounts(q2.id, [messages[1]])
            #expect(try store.storedMessageCount() == 4)

            // purgeQueue keeps the entries it is told to keep (deliveries in flight)...
            let inFlight = messages[4]
            _ = try await store.commit([.purgeQueue(q1.id, keeping: [inFlight.entryKey(in: q1.id)])])
            try expectCounts(q1.id, [inFlight])
            #expect(try store.allEntries(of: q1.id).map(\.key) == [inFlight.entryKey(in: q1.id)])
            #expect(try store.storedMessageCount() == 2)
            for message in messages[2...3] { #expect(try store.message(message.id) == nil) }
            // ...and otherwise empties the queue and deletes its messages, keeping the queue.
            _ = try await store.commit([.purgeQueue(q1.id, keeping: [])])
            try expectCounts(q1.id, [])
            try expectCounts(q2.id, [messages[1]])
            #expect(try store.storedMessageCount() == 1)
            for message in messages[2...] { #expect(try store.message(message.id) == nil) }

            // Counters survive a reopen.
            store = try fixture.reopen(store)
            defer { store.close() }
            try expectCounts(q1.id, [])
            try expectCounts(q2.id, [messages[1]])

            // deleteQueue removes the record, the entries and their messages.
            _ = try await store.commit([.deleteQueue(q2.id)])
            #expect(store.queues[q2.id] == nil)
            #expect(try store.diskRecord(q2.id) == nil)
            #expect(try store.allEntries(of: q2.id).isEmpty)
            #expect(try store.storedMessageCount() == 0)
            // A message for a queue that no longer exists is not stored at all.
            try await BrokerStoreTests.store([makeMessage(store)], in: [q2.id], store)
            #expect(try store.storedMessageCount() == 0)
            #expect(store.queues.keys.sorted() == [q1.id])
        }
    }

    @Test(arguments: allSyncModes)
    func multicastMessageIsStoredOnceUntilItsLastEntryGoes(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let queues = [
                try await createQueue(store, name: "a", address: "news", routingType: .multicast),
                try await createQueue(store, name: "b", address: "news", routingType: .multicast),
                try await createQueue(store, name: "c", address: "news", routingType: .multicast),
            ].map(\.id)
            let shared = makeMessage(store, address: "news", priority: 6, bodyLength: 1_000)
            try await BrokerStoreTests.store([shared], in: queues, store)

            #expect(try store.storedMessageCount() == 1)
            for queue in queues {
                #expect(store.queues[queue]?.messageCount == 1)
                #expect(store.queues[queue]?.byteCount == UInt64(shared.storedSize))
                #expect(try store.allEntries(of: queue).map(\.key) == [shared.entryKey(in: queue)])
            }

            _ = try await store.commit([.removeEntry(shared.entryKey(in: queues[0]))])
            #expect(try store.message(shared.id) == shared)
            store = try fixture.reopen(store)  // the reference count is durable too
            _ = try await store.commit([.removeEntry(shared.entryKey(in: queues[1]))])
            #expect(try store.message(shared.id) == shared)
            #expect(try store.storedMessageCount() == 1)
            _ = try await store.commit([.removeEntry(shared.entryKey(in: queues[2]))])
            #expect(try store.message(shared.id) == nil)
            #expect(try store.storedMessageCount() == 0)

            // The same through deleteQueue, purgeQueue and a move.
            let second = makeMessage(store, address: "news", bodyLength: 10)
            try await BrokerStoreTests.store([second], in: queues, store)
            _ = try await store.commit([.deleteQueue(queues[0])])
            _ = try await store.commit([.purgeQueue(queues[1], keeping: [])])
            #expect(try store.message(second.id) == second)
            let dlq = try await createQueue(store, name: "dlq")
            _ = try await store.commit([.moveEntry(second.entryKey(in: queues[2]), to: dlq.id, deliveryCount: 3)])
            #expect(try store.message(second.id) == second)
            store = try fixture.reopen(store)
            defer { store.close() }
            #expect(try store.storedMessageCount() == 1)
            _ = try await store.commit([.removeEntry(second.entryKey(in: dlq.id))])
            #expect(try store.storedMessageCount() == 0)
            for queue in [queues[1], queues[2], dlq.id] {
                #expect(store.queues[queue]?.messageCount == 0)
                #expect(store.queues[queue]?.byteCount == 0)
            }
        }
    }

    // MARK: Delivery counts and dead letters

    @Test(arguments: allSyncModes)
    func deliveryCountPersistsAndNeverResurrectsAnEntry(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let queue = try await createQueue(store, name: "q")
            let message = makeMessage(store, priority: 3)
            let other = makeMessage(store, priority: 3)
            try await BrokerStoreTests.store([message, other], in: [queue.id], store)
            let key = message.entryKey(in: queue.id)

            #expect(try store.allEntries(of: queue.id).map(\.deliveryCount) == [0, 0])
            _ = try await store.commit([.setDeliveryCount(key, 3)])
            store = try fixture.reopen(store)
            #expect(try store.allEntries(of: queue.id) == [
                StoredEntry(key: key, deliveryCount: 3),
                StoredEntry(key: other.entryKey(in: queue.id), deliveryCount: 0),
            ])
            _ = try await store.commit([.setDeliveryCount(key, 4)])
            #expect(try store.allEntries(of: queue.id).first?.deliveryCount == 4)

            // Removed, then a late delivery-count update (in another commit and in the same one).
            _ = try await store.commit([.removeEntry(key)])
            _ = try await store.commit([.setDeliveryCount(key, 9)])
            _ = try await store.commit([.removeEntry(other.entryKey(in: queue.id)), .setDeliveryCount(other.entryKey(in: queue.id), 1)])
            func expectEmpty() throws {
                #expect(try store.allEntries(of: queue.id).isEmpty)
                #expect(try store.storedMessageCount() == 0)
                #expect(store.queues[queue.id]?.messageCount == 0)
                #expect(store.queues[queue.id]?.byteCount == 0)
            }
            try expectEmpty()
            store = try fixture.reopen(store)
            defer { store.close() }
            try expectEmpty()
        }
    }

    @Test(arguments: allSyncModes)
    func moveToDeadLetterQueueKeepsMessageAndCount(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let queue = try await createQueue(store, name: "work")
            let dlq = try await createQueue(store, name: "DLQ")
            let message = makeMessage(store, priority: 8, bodyLength: 700, origin: .amqp)
            try await BrokerStoreTests.store([message], in: [queue.id], store)
            _ = try await store.commit([.setDeliveryCount(message.entryKey(in: queue.id), 2)])
            _ = try await store.commit([.moveEntry(message.entryKey(in: queue.id), to: dlq.id, deliveryCount: 5)])

            func check() throws {
                #expect(try store.allEntries(of: queue.id).isEmpty)
                #expect(try store.allEntries(of: dlq.id) == [StoredEntry(key: message.entryKey(in: dlq.id), deliveryCount: 5)])
                #expect(try store.message(message.id) == message)
                #expect(store.queues[queue.id]?.messageCount == 0)
                #expect(store.queues[queue.id]?.byteCount == 0)
                #expect(store.queues[dlq.id]?.messageCount == 1)
                #expect(store.queues[dlq.id]?.byteCount == UInt64(message.storedSize))
            }
            try check()
            store = try fixture.reopen(store)
            defer { store.close() }
            try check()

            // Moving to a queue that does not exist keeps the entry where it is.
            _ = try await store.commit([.moveEntry(message.entryKey(in: dlq.id), to: QueueID(9_999), deliveryCount: 6)])
            #expect(try store.allEntries(of: dlq.id).map(\.deliveryCount) == [5])
            #expect(try store.message(message.id) == message)
        }
    }

    // MARK: Non-durable queues

    @Test(arguments: allSyncModes)
    func nonDurableQueuesAreDeletedOnReopenWithTheirMessages(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            var store = try fixture.open()
            let durable = try await createQueue(store, name: "durable", address: "t", routingType: .multicast)
            let temporary = try await createQueue(store, name: "temporary", address: "t", routingType: .multicast, isDurable: false)
            let onlyTemporary = makeMessage(store, address: "t")
            let both = makeMessage(store, address: "t")
            _ = try await store.commit([
                .storeMessage(onlyTemporary, queues: [temporary.id]),
                .storeMessage(both, queues: [durable.id, temporary.id]),
            ])
            #expect(try store.storedMessageCount() == 2)
            #expect(store.queues[temporary.id]?.messageCount == 2)

            store = try fixture.reopen(store)
            defer { store.close() }
            #expect(store.queues[temporary.id] == nil)
            #expect(try store.diskRecord(temporary.id) == nil)
            #expect(try store.allEntries(of: temporary.id).isEmpty)
            #expect(try store.message(onlyTemporary.id) == nil)
            #expect(try store.message(both.id) == both)
            #expect(try store.storedMessageCount() == 1)
            #expect(store.queues[durable.id]?.messageCount == 1)
            // The shared message's reference count went down with the deleted queue.
            _ = try await store.commit([.removeEntry(both.entryKey(in: durable.id))])
            #expect(try store.storedMessageCount() == 0)
        }
    }

    // MARK: Group commit

    @Test(arguments: allSyncModes)
    func concurrentSubmittersShareCommits(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode, initialMapSize: 4 << 20) { fixture in
            let store = try fixture.open()
            defer { store.close() }
            let queue = try await createQueue(store, name: "q")
            let submitters = 64
            let perSubmitter = 16
            let before = store.statistics.snapshot

            let stored = try await withThrowingTaskGroup(of: [MessageID].self) { group in
                for _ in 0..<submitters {
                    group.addTask {
                        var ids: [MessageID] = []
                        for _ in 0..<perSubmitter {
                            let message = makeMessage(store, priority: UInt8.random(in: 0...9), bodyLength: 64)
                            _ = try await store.commit([.storeMessage(message, queues: [queue.id])])
                            ids.append(message.id)
                        }
                        return ids
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }

            let total = submitters * perSubmitter
            #expect(Set(stored).count == total)
            #expect(store.queues[queue.id]?.messageCount == UInt64(total))
            #expect(try store.storedMessageCount() == total)
            #expect(Set(try store.allEntries(of: queue.id).map(\.key.message)) == Set(stored))

            let after = store.statistics.snapshot
            let commits = after.commits - before.commits
            let submissions = after.submissions - before.submissions
            #expect(submissions == total)
            #expect(commits < total)
            #expect(after.meanBatchSize > 1, "mean batch size \(after.meanBatchSize) over \(after.commits) commits")
            #expect(after.refusedSubmissions == 0)
        }
    }

    // MARK: Map growth and a full store

    @Test(arguments: allSyncModes)
    func mapGrowsOnDemandPastTheInitialSize(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode, maxSize: 16 << 20, initialMapSize: 1 << 20) { fixture in
            var store = try fixture.open()
            let queue = try await createQueue(store, name: "q")
            #expect(store.size.mapSize == 1 << 20)
            var messages: [StoredMessage] = []
            for _ in 0..<30 {
                let batch = (0..<100).map { _ in makeMessage(store, priority: UInt8.random(in: 0...9), bodyLength: 1_000) }
                try await BrokerStoreTests.store(batch, in: [queue.id], store)
                messages += batch
            }
            let size = store.size
            #expect(size.mapSize > 1 << 20)
            #expect(size.mapSize <= 16 << 20)
            #expect(size.used > 1 << 20)
            #expect(size.used <= size.mapSize)
            #expect(store.queues[queue.id]?.messageCount == 3_000)

            store = try fixture.reopen(store)
            defer { store.close() }
            #expect(try store.storedMessageCount() == 3_000)
            #expect(store.queues[queue.id]?.byteCount == UInt64(messages.reduce(0) { $0 + $1.storedSize }))
            for message in messages.shuffled().prefix(50) {
                #expect(try store.message(message.id) == message)
            }
            // Writing on after a reopen (the map starts at the file's size) works.
            try await BrokerStoreTests.store([makeMessage(store)], in: [queue.id], store)
            #expect(store.queues[queue.id]?.messageCount == 3_001)
        }
    }

    @Test(arguments: allSyncModes)
    func fullStoreRefusesNewMessagesButTakesRemovals(_ mode: StoreConfiguration.SyncMode) async throws {
        let maxSize = 1 << 20
        try await withStoreFixture(mode, maxSize: maxSize, initialMapSize: 256 << 10) { fixture in
            var store = try fixture.open()
            let queue = try await createQueue(store, name: "q")
            // Fill the store in batches of four messages, then with single ones, until refused.
            var acknowledged: [StoredMessage] = []
            var refusals: [StoreError] = []
            for batchSize in [4, 1] {
                for _ in 0..<1_000 {
                    let batch = (0..<batchSize).map { _ in makeMessage(store, priority: UInt8.random(in: 0...9), bodyLength: 1_000) }
                    do {
                        try await BrokerStoreTests.store(batch, in: [queue.id], store)
                        acknowledged += batch
                    } catch let error as StoreError {
                        refusals.append(error)
                        break
                    }
                }
            }
            try #require(refusals.count == 2, "the store never reported full after \(acknowledged.count) messages")
            for error in refusals {
                #expect(error.kind == .full)
                #expect(error.description.contains("\(maxSize)"))
            }
            #expect(acknowledged.count > 100)
            #expect(store.size.mapSize == maxSize)
            #expect(store.size.used <= maxSize)
            #expect(store.statistics.snapshot.refusedSubmissions >= 2)
            #expect(store.queues[queue.id]?.messageCount == UInt64(acknowledged.count))

            // Still full: more messages are refused again. LMDB may first reuse a page freed by an
            // earlier commit (how soon depends on the sync mode), so allow a few more to fit.
            var refusedAgain = false
            for _ in 0..<50 where !refusedAgain {
                let message = makeMessage(store, bodyLength: 1_000)
                do {
                    try await BrokerStoreTests.store([message], in: [queue.id], store)
                    acknowledged.append(message)
                } catch let error as StoreError {
                    #expect(error.kind == .full)
                    refusedAgain = true
                }
            }
            #expect(refusedAgain, "a full store took 50 more messages")
            var recordError: StoreError?
            for index in 0..<200 where recordError == nil {
                do {
                    _ = try await store.commit([.putRecord(.settings, key: [UInt8(index)], value: [UInt8](repeating: 1, count: 1_000))])
                } catch let error as StoreError {
                    recordError = error
                }
            }
            #expect(recordError?.kind == .full)

            // Removals (and delivery-count updates) still go through.
            let removed = Array(acknowledged.prefix(3))
            _ = try await store.commit(removed.map { .removeEntry($0.entryKey(in: queue.id)) })
            _ = try await store.commit([.setDeliveryCount(acknowledged[3].entryKey(in: queue.id), 2)])
            let remaining = Array(acknowledged.dropFirst(3))
            #expect(store.queues[queue.id]?.messageCount == UInt64(remaining.count))

            // The store reopens cleanly with every acknowledged message intact.
            store = try fixture.reopen(store)
            defer { store.close() }
            #expect(try store.storedMessageCount() == remaining.count)
            let entries = try store.allEntries(of: queue.id)
            #expect(Set(entries.map(\.key.message)) == Set(remaining.map(\.id)))
            #expect(entries.count == remaining.count)
            #expect(entries.first { $0.key.message == acknowledged[3].id }?.deliveryCount == 2)
            #expect(store.queues[queue.id]?.messageCount == UInt64(remaining.count))
            #expect(store.queues[queue.id]?.byteCount == UInt64(remaining.reduce(0) { $0 + $1.storedSize }))
            for message in remaining {
                #expect(try store.message(message.id) == message)
            }
            for message in removed {
                #expect(try store.message(message.id) == nil)
            }
        }
    }

    // MARK: Format version, locking, closing

    @Test(arguments: allSyncModes)
    func otherFormatVersionIsRefusedAndLeftUntouched(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            let store = try fixture.open()
            let queue = try await createQueue(store, name: "q")
            try await BrokerStoreTests.store([makeMessage(store)], in: [queue.id], store)
            store.close()

            // Write format version 7 into the meta database with the LMDB wrapper.
            do {
                let environment = try LMDBEnvironment(directory: fixture.storePath, mapSize: 64 << 20, maxDatabases: 16)
                defer { environment.close() }
                try environment.write { txn in
                    let meta = try LMDBDatabase.open("meta", in: txn, create: false)
                    #expect(try txn.get(meta, key: Array("format-version".utf8)) == [0, 0, 0, 1])
                    try txn.put(meta, key: Array("format-version".utf8), value: withUnsafeBytes(of: UInt32(7).bigEndian, Array.init))
                }
            }
            let dataFile = fixture.storePath + "/data.mdb"
            let contents = try Data(contentsOf: URL(fileURLWithPath: dataFile))

            let error = await expectStoreError(.versionMismatch) { try fixture.open() }
            let description = error?.description ?? ""
            #expect(description.contains(dataFile), "\(description)")
            #expect(description.contains("version 7"), "\(description)")
            #expect(description.contains("version 1"), "\(description)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: dataFile)) == contents, "the refused store was modified")

            // The refused open released the directory: writing version 1 back makes it usable.
            do {
                let environment = try LMDBEnvironment(directory: fixture.storePath, mapSize: 64 << 20, maxDatabases: 16)
                defer { environment.close() }
                try environment.write { txn in
                    let meta = try LMDBDatabase.open("meta", in: txn, create: false)
                    try txn.put(meta, key: Array("format-version".utf8), value: [0, 0, 0, 1])
                }
            }
            let reopened = try fixture.open()
            #expect(reopened.queues[queue.id]?.messageCount == 1)
            reopened.close()
        }
    }

    @Test(arguments: allSyncModes)
    func secondOpenOfAnOpenDirectoryIsLocked(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            let store = try fixture.open()
            let queue = try await createQueue(store, name: "q")
            let error = await expectStoreError(.locked) { try fixture.open() }
            #expect(error?.description.contains(fixture.storePath) == true)
            // The first store is unaffected.
            try await BrokerStoreTests.store([makeMessage(store)], in: [queue.id], store)
            #expect(store.queues[queue.id]?.messageCount == 1)

            // Once closed (even while the object is still referenced) the directory can be opened again.
            store.close()
            let reopened = try fixture.open()
            #expect(reopened.queues[queue.id]?.messageCount == 1)
            await expectStoreError(.locked) { try fixture.open() }
            reopened.close()
            withExtendedLifetime(store) {}
        }
    }

    @Test(arguments: allSyncModes)
    func submissionsAfterCloseFailAsClosed(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode) { fixture in
            let store = try fixture.open()
            let queue = try await createQueue(store, name: "q")
            // What was submitted before close is committed by close.
            let pending = makeMessage(store)
            let done = ManagedFlag()
            store.submit([.storeMessage(pending, queues: [queue.id])]) { result in
                if case .success = result { done.set() }
            }
            store.close()
            #expect(done.isSet)
            await expectStoreError(.closed) { try await store.commit([.storeMessage(makeMessage(store), queues: [queue.id])]) }
            store.close()  // idempotent

            let reopened = try fixture.open()
            defer { reopened.close() }
            #expect(try reopened.message(pending.id) == pending)
        }
    }
}

/// A flag set from the writer thread and read by the test.
final class ManagedFlag: Sendable {
    private let value = Mutex(false)
    func set() { self.value.withLock { $0 = true } }
    var isSet: Bool { self.value.withLock { $0 } }
}

extension Collection {
    func chunks(ofCount count: Int) -> [SubSequence] {
        stride(from: 0, to: self.count, by: count).map { offset in
            let start = self.index(self.startIndex, offsetBy: offset)
            let end = self.index(start, offsetBy: Swift.min(count, self.distance(from: start, to: self.endIndex)))
            return self[start..<end]
        }
    }
}
