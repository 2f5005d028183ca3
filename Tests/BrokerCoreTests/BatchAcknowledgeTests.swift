import BrokerCore
import BrokerStore
import BrokerTestSupport
import Testing

/// `Consumer.acknowledge(_ keys:)`: several acknowledgments as one queue event (the uplink
/// settles a whole disposition range at once).
@Suite("Batch acknowledge")
struct BatchAcknowledgeTests {
    @Test func removesEveryKeyInOneStoreSubmissionAndSurvivesARestart() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<6 { try harness.publish("q", "m\(index)") }
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 6)
        let deliveries = recorder.deliveries
        #expect(deliveries.map(\.text) == ["m0", "m1", "m2", "m3", "m4", "m5"])
        let before = harness.store.statistics.snapshot.submissions

        // A key twice and a key that is not in flight count once and not at all.
        let unknown = EntryKey(queue: queue.id, priority: 4, message: MessageID(999_999))
        consumer.acknowledge([deliveries[0].key, deliveries[2].key, deliveries[4].key, deliveries[0].key, unknown])

        let statistics = queue.statistics
        #expect(statistics.messageCount == 3)
        #expect(statistics.inFlight == 3)
        #expect(statistics.acknowledgedTotal == 3)
        #expect(eventually { harness.store.statistics.snapshot.submissions == before + 1 })

        // What is left after a restart is what was not acknowledged.
        try harness.reopen()
        let reopened = try #require(harness.broker.queue(named: "q"))
        #expect(reopened.statistics.messageCount == 3)
        let after = RecordingConsumer()
        _ = reopened.addConsumer(delegate: after, credit: 10)
        #expect(after.waitFor(3, timeout: .seconds(5)))
        #expect(after.deliveries.map(\.text) == ["m1", "m3", "m5"])
    }

    @Test func anEmptyBatchDoesNothing() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        try harness.publish("q", "kept")
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 1)
        consumer.acknowledge([])
        #expect(queue.statistics.messageCount == 1)
        #expect(queue.statistics.inFlight == 1)
    }
}
