import BrokerCore
import BrokerStore
import BrokerTestSupport
import Testing

@Suite("Paging and restart")
struct PagingTests {
    @Test func aBacklogLargerThanTheWindowIsDeliveredInOrder() throws {
        let configuration = BrokerConfiguration(queueWindowMessages: 10)
        let harness = try TestBroker(configuration: configuration)
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<200 {
            try harness.publish("q", "m\(index)", priority: index % 50 == 0 ? 9 : 4)
        }
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        var received: [String] = []
        consumer.addCredit(7)
        while received.count < 200 {
            guard recorder.waitFor(1, timeout: .seconds(5)) else { break }
            for delivery in recorder.take() {
                received.append(delivery.text)
                consumer.acknowledge(delivery.key)
                consumer.addCredit(1)
            }
        }
        let high = stride(from: 0, to: 200, by: 50).map { "m\($0)" }
        let rest = (0..<200).filter { $0 % 50 != 0 }.map { "m\($0)" }
        #expect(received.count == 200)
        // High-priority messages overtake what is ready, so check order within each
        // priority and that every message arrived once.
        #expect(received.filter { high.contains($0) } == high)
        #expect(received.filter { !high.contains($0) } == rest)
        #expect(Set(received).count == 200)
    }

    @Test func newHighPriorityOvertakesABacklogOnDisk() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 10))
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<100 { try harness.publish("q", "low\(index)", priority: 1) }
        try harness.publish("q", "urgent", priority: 9)
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(1)
        #expect(recorder.deliveries.first?.text == "urgent")
    }

    @Test func messagesAndCountsSurviveARestart() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 16))
        _ = try harness.broker.anycastQueue(for: "q")
        _ = try harness.broker.subscribe(queueName: "durable-sub", filter: "t/#", isDurable: true)
        _ = try harness.broker.subscribe(queueName: "volatile-sub", filter: "t/#", isDurable: false)
        for index in 0..<100 { try harness.publish("q", "m\(index)", priority: UInt8(index % 10)) }
        try harness.publish("t/x", "topic", autoCreateAs: .multicast)
        try harness.reopen()
        let queue = try #require(harness.broker.queue(named: "q"))
        #expect(queue.statistics.messageCount == 100)
        #expect(harness.broker.queue(named: "durable-sub")?.statistics.messageCount == 1)
        #expect(harness.broker.queue(named: "volatile-sub") == nil)
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 100)
        #expect(recorder.waitFor(100))
        let priorities = recorder.deliveries.map(\.message.priority)
        #expect(priorities == priorities.sorted(by: >))
        _ = consumer
    }

    @Test func deliveryCountsSurviveARestart() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "m")
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(1)
        consumer.release(try #require(recorder.deliveries.first).key, countAttempt: true)
        // Written with the next commit; wait for it through a round-trip commit.
        _ = try BlockingCommit.commit(harness.store, [])
        try harness.reopen()
        let again = RecordingConsumer()
        let reopened = try #require(harness.broker.queue(named: "q")).addConsumer(delegate: again, credit: 1)
        #expect(again.waitFor(1))
        #expect(again.deliveries.first?.deliveryCount == 1)
        _ = reopened
    }

    @Test func nonDurableMessagesStayInMemory() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "volatile", durable: false)
        #expect(queue.statistics.messageCount == 1)
        #expect(try harness.store.read { try $0.messageCount() } == 0)
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 1)
        #expect(recorder.waitFor(1))
        consumer.acknowledge(recorder.deliveries[0].key)
        #expect(queue.statistics.messageCount == 0)
    }

    @Test func nonDurableMessagesPastTheWindowArePagedToTheStore() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 4))
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<10 { try harness.publish("q", "v\(index)", durable: false) }
        #expect(try harness.store.read { try $0.messageCount() } == 6)
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 10)
        #expect(recorder.waitFor(10))
        #expect(recorder.deliveries.map(\.text) == (0..<10).map { "v\($0)" })
        _ = consumer
    }

    @Test func nonDurableMessagesAreStoredOnlyForTheSubscriptionsWhoseWindowIsFull() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 4))
        let idle = try harness.broker.subscribe(queueName: "idle", filter: "t", isDurable: false)
        let busy = try harness.broker.subscribe(queueName: "busy", filter: "t", isDurable: false)
        let busyRecorder = RecordingConsumer()
        let busyConsumer = busy.addConsumer(delegate: busyRecorder, credit: 100)
        for index in 0..<10 { try harness.publish("t", "v\(index)", durable: false, autoCreateAs: .multicast) }
        // The consumed subscription kept every message in memory; the idle one 4, the rest stored for it alone.
        #expect(busyRecorder.waitFor(10))
        #expect(try harness.store.read { try $0.messageCount() } == 6)
        let idleRecorder = RecordingConsumer()
        let idleConsumer = idle.addConsumer(delegate: idleRecorder, credit: 10)
        #expect(idleRecorder.waitFor(10))
        #expect(idleRecorder.deliveries.map(\.text) == (0..<10).map { "v\($0)" })
        #expect(busyRecorder.deliveries.map(\.text) == (0..<10).map { "v\($0)" })
        _ = (busyConsumer, idleConsumer)
    }

    @Test func purgeRemovesReadyMessagesInMemoryAndOnDisk() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 4))
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<20 { try harness.publish("q", "m\(index)") }
        #expect(queue.purge() == 20)
        #expect(queue.statistics.messageCount == 0)
        #expect(eventually { (try? harness.store.read { try $0.messageCount() }) == 0 })
        try harness.publish("q", "after")
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 10)
        #expect(recorder.waitFor(1))
        #expect(recorder.deliveries.map(\.text) == ["after"])
        _ = consumer
    }

    @Test func browseReadsWithoutConsuming() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<5 { try harness.publish("q", "m\(index)") }
        let firstTwo = try queue.browse(limit: 2)
        #expect(firstTwo.map(\.text) == ["m0", "m1"])
        let next = try queue.browse(limit: 10, after: firstTwo.last?.key)
        #expect(next.map(\.text) == ["m2", "m3", "m4"])
        #expect(queue.statistics.messageCount == 5)
    }

    @Test func deletedQueueLosesItsMessages() throws {
        let harness = try TestBroker()
        _ = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "m")
        try harness.broker.deleteQueue(named: "q")
        #expect(harness.broker.queue(named: "q") == nil)
        #expect(eventually { (try? harness.store.read { try $0.messageCount() }) == 0 })
        try harness.reopen()
        #expect(harness.broker.queue(named: "q") == nil)
    }
}

/// Submits operations and blocks until they commit.
enum BlockingCommit {
    static func commit(_ store: MessageStore, _ operations: [StoreOperation]) throws -> CommitReceipt {
        let result = BlockingResult<Result<CommitReceipt, StoreError>>()
        store.submit(operations) { result.set($0) }
        return try result.wait().get()
    }
}
