import BrokerCore
import BrokerStore
import BrokerTestSupport
import NIOCore
import Testing

/// Local transactions in the core: staged publishes and settlements take effect together in one
/// store commit, or not at all.
@Suite("Transactions")
struct TransactionTests {
    func commit(_ transaction: BrokerTransaction, in harness: TestBroker) throws -> Result<Void, BrokerError> {
        let result = BlockingResult<Result<Void, BrokerError>>()
        harness.broker.commit(transaction) { result.set($0) }
        return try result.wait()
    }

    func message(_ text: String, to address: String = "q", durable: Bool = true) -> IncomingMessage {
        IncomingMessage(address: address, isDurable: durable, body: ByteBuffer(string: text))
    }

    @Test func stagedMessagesAreInvisibleUntilCommitAndSurviveARestartAfterIt() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        let recorder = RecordingConsumer()
        _ = queue.addConsumer(delegate: recorder, credit: 10)
        let transaction = harness.broker.makeTransaction()
        transaction.stagePublish(self.message("a"))
        transaction.stagePublish(self.message("b", durable: false))
        #expect(queue.statistics.messageCount == 0)
        #expect(recorder.deliveries.isEmpty)
        #expect(throws: Never.self) { try self.commit(transaction, in: harness).get() }
        #expect(eventually { recorder.deliveries.map(\.text) == ["a", "b"] })

        // Committed means stored: both are there after a restart (neither was acknowledged).
        try harness.reopen()
        let reopened = try #require(harness.broker.queue(named: "q"))
        #expect(reopened.statistics.messageCount == 2)
    }

    @Test func rollbackDropsStagedMessages() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        let transaction = harness.broker.makeTransaction()
        transaction.stagePublish(self.message("never"))
        harness.broker.rollback(transaction)
        #expect(queue.statistics.messageCount == 0)
        // A discharged transaction takes nothing more and cannot be committed.
        #expect(!transaction.stagePublish(self.message("late")))
        #expect(throws: BrokerError.self) { try self.commit(transaction, in: harness).get() }
    }

    @Test func acknowledgementsTakeEffectOnCommitTogetherWithSends() throws {
        let harness = try TestBroker()
        let source = try harness.broker.anycastQueue(for: "in")
        let target = try harness.broker.anycastQueue(for: "out")
        for index in 0..<3 { try harness.publish("in", "m\(index)") }
        let recorder = RecordingConsumer()
        let consumer = source.addConsumer(delegate: recorder, credit: 3)
        #expect(recorder.waitFor(3))
        let transaction = harness.broker.makeTransaction()
        for delivery in recorder.deliveries {
            transaction.stageSettlement(.acknowledge, of: delivery.key, by: consumer)
            transaction.stagePublish(self.message("processed-\(delivery.text)", to: "out"))
        }
        // Staged: still held by the consumer, nothing sent.
        #expect(source.statistics.messageCount == 3)
        #expect(target.statistics.messageCount == 0)
        #expect(throws: Never.self) { try self.commit(transaction, in: harness).get() }
        #expect(source.statistics.messageCount == 0)
        #expect(target.statistics.messageCount == 3)

        try harness.reopen()
        #expect(harness.broker.queue(named: "in")?.statistics.messageCount == 0)
        #expect(harness.broker.queue(named: "out")?.statistics.messageCount == 3)
    }

    @Test func rolledBackAcknowledgementsReturnDeliveriesInOrderWithTheAttemptCounted() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<3 { try harness.publish("q", "m\(index)") }
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 3)
        #expect(recorder.waitFor(3))
        let transaction = harness.broker.makeTransaction()
        // Staged in reverse: they still come back in queue order.
        for delivery in recorder.take().reversed() {
            transaction.stageSettlement(.acknowledge, of: delivery.key, by: consumer)
        }
        harness.broker.rollback(transaction)
        consumer.addCredit(3)
        #expect(recorder.waitFor(3))
        #expect(recorder.deliveries.map(\.text) == ["m0", "m1", "m2"])
        #expect(recorder.deliveries.map(\.deliveryCount) == [1, 1, 1])
        #expect(queue.statistics.messageCount == 3)
    }

    @Test func aCommitWhoseDeliveryWasReturnedMeanwhileChangesNothing() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        let other = try harness.broker.anycastQueue(for: "other")
        try harness.publish("q", "held")
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 1)
        #expect(recorder.waitFor(1))
        let transaction = harness.broker.makeTransaction()
        transaction.stageSettlement(.acknowledge, of: try #require(recorder.deliveries.first).key, by: consumer)
        transaction.stagePublish(self.message("side-effect", to: "other"))
        // The consumer goes away before the commit: its delivery returns to the queue.
        consumer.close()
        #expect(throws: BrokerError.self) { try self.commit(transaction, in: harness).get() }
        #expect(queue.statistics.messageCount == 1)
        #expect(other.statistics.messageCount == 0)
    }

    @Test func aFullQueueFailsTheWholeCommit() throws {
        var configuration = BrokerConfiguration()
        configuration.defaultPolicy.maxMessages = 1
        configuration.defaultPolicy.fullPolicy = .fail
        let harness = try TestBroker(configuration: configuration)
        let small = try harness.broker.anycastQueue(for: "small")
        let roomy = try harness.broker.anycastQueue(for: "roomy")
        try harness.publish("small", "already-here")
        let transaction = harness.broker.makeTransaction()
        transaction.stagePublish(self.message("fits", to: "roomy"))
        transaction.stagePublish(self.message("does-not-fit", to: "small"))
        let result = try self.commit(transaction, in: harness)
        #expect(throws: BrokerError.self) { try result.get() }
        #expect(roomy.statistics.messageCount == 0)
        #expect(small.statistics.messageCount == 1)
    }

    @Test func releasesAndRejectsApplyOnCommit() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "again")
        try harness.publish("q", "bad")
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 2)
        #expect(recorder.waitFor(2))
        let deliveries = recorder.take()
        let transaction = harness.broker.makeTransaction()
        transaction.stageSettlement(.release(countAttempt: false), of: deliveries[0].key, by: consumer)
        transaction.stageSettlement(.reject, of: deliveries[1].key, by: consumer)
        #expect(throws: Never.self) { try self.commit(transaction, in: harness).get() }
        consumer.addCredit(2)
        #expect(recorder.waitFor(1))
        #expect(recorder.deliveries.map(\.text) == ["again"])
        #expect(recorder.deliveries.map(\.deliveryCount) == [0])
        #expect(eventually { harness.broker.queue(named: "DLQ")?.statistics.messageCount == 1 })
    }
}
