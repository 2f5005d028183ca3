import BrokerCore
import BrokerStore
import BrokerTestSupport
import Testing

@Suite("Delivery")
struct DeliveryTests {
    @Test func creditLimitsDeliveries() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<5 { try harness.publish("q", "m\(index)") }
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(1)
        #expect(recorder.deliveries.map(\.text) == ["m0"])
        #expect(consumer.credit == 0)
        consumer.addCredit(2)
        #expect(recorder.deliveries.map(\.text) == ["m0", "m1", "m2"])
    }

    @Test func settleAcknowledgesABatchAndReturnsCreditInOneCall() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<5 { try harness.publish("q", "m\(index)") }
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 2)
        let first = recorder.take()
        #expect(first.map(\.text) == ["m0", "m1"])
        // Both acknowledged, and the credit they freed handed back with them: two more arrive.
        consumer.settle(acknowledging: first.map(\.key), addingCredit: 2)
        #expect(recorder.take().map(\.text) == ["m2", "m3"])
        #expect(queue.statistics.acknowledgedTotal == 2)
        #expect(queue.statistics.inFlight == 2)
        // Unknown or repeated keys are skipped; credit alone still delivers.
        consumer.settle(acknowledging: first.map(\.key), addingCredit: 1)
        #expect(recorder.take().map(\.text) == ["m4"])
        #expect(queue.statistics.acknowledgedTotal == 2)
        #expect(eventually { queue.statistics.messageCount == 3 })
    }

    @Test func drainDeliversWhatIsReadyThenReportsUnusedCredit() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "only")
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.drain()
        #expect(eventually { recorder.drains == [0] })
        #expect(recorder.deliveries.isEmpty)
        consumer.setCredit(5)
        consumer.drain()
        #expect(eventually { recorder.drains == [0, 4] })
        #expect(recorder.deliveries.map(\.text) == ["only"])
        #expect(consumer.credit == 0)
        // Nothing arrives once drained.
        try harness.publish("q", "later")
        #expect(recorder.deliveries.count == 1)
    }

    @Test func higherPriorityIsDeliveredFirstThenFIFO() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "low-1", priority: 1)
        try harness.publish("q", "high-1", priority: 9)
        try harness.publish("q", "low-2", priority: 1)
        try harness.publish("q", "default")
        try harness.publish("q", "high-2", priority: 9)
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(10)
        #expect(recorder.deliveries.map(\.text) == ["high-1", "high-2", "default", "low-1", "low-2"])
    }

    @Test func releaseRedeliversAndCountsAttempts() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "again")
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(1)
        let first = try #require(recorder.take().first)
        #expect(first.deliveryCount == 0)
        // Released without counting (AMQP released): same count.
        consumer.release(first.key, countAttempt: false)
        consumer.addCredit(1)
        let second = try #require(recorder.take().first)
        #expect(second.deliveryCount == 0)
        // Counted (modified delivery-failed, or a consumer that went away).
        consumer.release(second.key, countAttempt: true)
        consumer.addCredit(1)
        let third = try #require(recorder.take().first)
        #expect(third.deliveryCount == 1)
        #expect(third.text == "again")
    }

    @Test func maxDeliveryAttemptsSendsToDeadLetterAddress() throws {
        let policy = AddressPolicy(maxDeliveryAttempts: 3, deadLetterAddress: "DLQ")
        let harness = try TestBroker(configuration: BrokerConfiguration(defaultPolicy: policy))
        let queue = try harness.broker.anycastQueue(for: "work")
        try harness.publish("work", "poison")
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        for _ in 0..<3 {
            consumer.addCredit(1)
            #expect(recorder.waitFor(1))
            let delivery = try #require(recorder.take().first)
            consumer.release(delivery.key, countAttempt: true)
        }
        let dlq = try #require(harness.broker.queue(named: "DLQ"))
        #expect(eventually { dlq.statistics.messageCount == 1 })
        #expect(queue.statistics.messageCount == 0)
        let dead = RecordingConsumer()
        let dlqConsumer = dlq.addConsumer(delegate: dead, credit: 0)
        dlqConsumer.addCredit(1)
        #expect(dead.waitFor(1))
        #expect(dead.deliveries.first?.text == "poison")
        #expect(dead.deliveries.first?.deliveryCount == 3)
    }

    @Test func rejectGoesToDeadLetterAddressAtOnce() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "work")
        try harness.publish("work", "bad")
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(1)
        consumer.reject(try #require(recorder.deliveries.first).key)
        let dlq = try #require(harness.broker.queue(named: "DLQ"))
        #expect(eventually { dlq.statistics.messageCount == 1 })
        // The move survives a restart.
        try harness.reopen()
        #expect(harness.broker.queue(named: "DLQ")?.statistics.messageCount == 1)
        #expect(harness.broker.queue(named: "work")?.statistics.messageCount == 0)
    }

    @Test func closingAConsumerReturnsItsDeliveriesCounted() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "m")
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(1)
        consumer.close()
        let next = RecordingConsumer()
        let other = queue.addConsumer(delegate: next, credit: 0)
        other.addCredit(1)
        #expect(next.deliveries.first?.deliveryCount == 1)
    }

    @Test func expiredMessagesMoveToTheExpiryAddress() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        let now = harness.clock.now()
        try harness.publish("q", "stale", expiration: now + 1000)
        try harness.publish("q", "fresh")
        harness.clock.advance(by: 1001)
        harness.broker.expireMessages()
        let expiry = try #require(harness.broker.queue(named: "ExpiryQueue"))
        #expect(eventually { expiry.statistics.messageCount == 1 })
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(10)
        #expect(recorder.deliveries.map(\.text) == ["fresh"])
    }

    @Test func expiryOnDeliveryWithoutExpiryAddressDrops() throws {
        let policy = AddressPolicy(expiryAddress: nil)
        let harness = try TestBroker(configuration: BrokerConfiguration(defaultPolicy: policy))
        let queue = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "stale", expiration: harness.clock.now() + 10)
        harness.clock.advance(by: 11)
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(10)
        #expect(recorder.deliveries.isEmpty)
        #expect(eventually { (try? harness.store.read { try $0.messageCount() }) == 0 })
    }

    @Test func defaultTimeToLiveApplies() throws {
        let policy = AddressPolicy(defaultTimeToLive: 500, expiryAddress: nil)
        let harness = try TestBroker(configuration: BrokerConfiguration(defaultPolicy: policy))
        let queue = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "ttl")
        let stored = try queue.browse(limit: 1)
        #expect(stored.first?.message.expiration == harness.clock.now() + 500)
    }
}
