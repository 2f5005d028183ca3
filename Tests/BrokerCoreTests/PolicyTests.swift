import BrokerCore
import BrokerStore
import BrokerTestSupport
import NIOConcurrencyHelpers
import Testing

@Suite("Full policies")
struct PolicyTests {
    @Test func failRefusesPastMaxMessages() throws {
        let policy = AddressPolicy(maxMessages: 2, fullPolicy: .fail)
        let harness = try TestBroker(configuration: BrokerConfiguration(defaultPolicy: policy))
        try harness.publish("q", "1")
        try harness.publish("q", "2")
        #expect(throws: BrokerError(.resourceLimitExceeded, "queue 'q' is full (policy fail)")) { try harness.publish("q", "3") }
        #expect(harness.broker.queue(named: "q")?.statistics.messageCount == 2)
    }

    @Test func failRefusesPastMaxBytes() throws {
        let policy = AddressPolicy(maxBytes: 100, fullPolicy: .fail)
        let harness = try TestBroker(configuration: BrokerConfiguration(defaultPolicy: policy))
        try harness.publish("q", String(repeating: "x", count: 80))
        #expect(throws: BrokerError.self) { try harness.publish("q", String(repeating: "y", count: 80)) }
    }

    @Test func dropOldestMakesRoom() throws {
        let policy = AddressPolicy(maxMessages: 3, fullPolicy: .dropOldest)
        let harness = try TestBroker(configuration: BrokerConfiguration(defaultPolicy: policy))
        for index in 1...5 { try harness.publish("q", "m\(index)") }
        let queue = try #require(harness.broker.queue(named: "q"))
        #expect(queue.statistics.messageCount == 3)
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(10)
        #expect(recorder.deliveries.map(\.text) == ["m3", "m4", "m5"])
        // The dropped ones are gone from the store too.
        #expect(eventually { (try? harness.store.read { try $0.messageCount() }) == 3 })
    }

    @Test func blockReportsFullAndWakesProducersWhenSpaceFrees() throws {
        let policy = AddressPolicy(maxMessages: 1, fullPolicy: .block)
        let harness = try TestBroker(configuration: BrokerConfiguration(defaultPolicy: policy))
        try harness.publish("q", "1")
        let queue = try #require(harness.broker.queue(named: "q"))
        #expect(queue.isFull)
        let woken = NIOLockedValueBox(false)
        queue.whenNotFull { woken.withLockedValue { $0 = true } }
        #expect(woken.withLockedValue { $0 } == false)
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(1)
        consumer.acknowledge(try #require(recorder.deliveries.first).key)
        #expect(woken.withLockedValue { $0 })
        #expect(!queue.isFull)
    }

    @Test func policiesApplyByPattern() throws {
        let strict = AddressPolicy(maxMessages: 1, fullPolicy: .fail)
        let configuration = BrokerConfiguration(addressPolicies: [("limited/#", strict)])
        let harness = try TestBroker(configuration: configuration)
        try harness.publish("limited/a", "1")
        #expect(throws: BrokerError.self) { try harness.publish("limited/a", "2") }
        try harness.publish("free", "1")
        try harness.publish("free", "2")
    }

    @Test func storeFullRefusesProducersButAcknowledgmentsStillWork() throws {
        let harness = try TestBroker(maxSize: 1 << 20, initialMapSize: 1 << 20)
        let payload = String(repeating: "z", count: 8000)
        var accepted = 0
        var refusal: BrokerError?
        while refusal == nil && accepted < 1000 {
            do {
                try harness.publish("q", payload)
                accepted += 1
            } catch let error as BrokerError {
                refusal = error
            }
        }
        #expect(refusal?.kind == .resourceLimitExceeded)
        #expect(accepted > 10)
        let queue = try #require(harness.broker.queue(named: "q"))
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        consumer.addCredit(5)
        for delivery in recorder.deliveries { consumer.acknowledge(delivery.key) }
        #expect(eventually { queue.statistics.messageCount == accepted - 5 })
        try harness.reopen()
        #expect(harness.broker.queue(named: "q")?.statistics.messageCount == accepted - 5)
    }

    /// A multicast message that one subscription has no room for is refused for all of them: a
    /// subscription that claimed it for its consumer ahead of the commit (see `Broker.enqueue`)
    /// gives the claim back, and the message never reaches that consumer.
    @Test func aMulticastMessageOneQueueRefusesLeavesTheOthersAsTheyWere() throws {
        let limited = AddressPolicy(maxMessages: 1, fullPolicy: .fail)
        let harness = try TestBroker(configuration: BrokerConfiguration(addressPolicies: [("news", limited)]))
        let consumed = try harness.broker.createQueue(name: "consumed", address: "news", routingType: .multicast, isDurable: true)
        let idle = try harness.broker.createQueue(name: "idle", address: "news", routingType: .multicast, isDurable: true)
        let recorder = RecordingConsumer()
        let consumer = consumed.addConsumer(delegate: recorder, credit: 10)
        try harness.publish("news", "first", autoCreateAs: .multicast)
        #expect(eventually { recorder.deliveries.count == 1 })
        consumer.acknowledge(try #require(recorder.deliveries.first).key)
        #expect(eventually { consumed.statistics.messageCount == 0 })
        #expect(idle.isFull)

        #expect(throws: BrokerError(.resourceLimitExceeded, "queue 'idle' is full (policy fail)")) {
            try harness.publish("news", "second", autoCreateAs: .multicast)
        }
        #expect(consumed.statistics.messageCount == 0)
        #expect(recorder.deliveries.map(\.text) == ["first"])

        // Room again: the next message reaches the consumer as usual.
        #expect(idle.purge() == 1)
        try harness.publish("news", "third", autoCreateAs: .multicast)
        #expect(eventually { recorder.deliveries.map(\.text) == ["first", "third"] })
        #expect(consumed.statistics.messageCount == 1)
    }

    /// A durable message goes to a waiting consumer's window before its commit (see
    /// `Broker.enqueue`); when the store refuses it, it leaves the window again.
    @Test func aMessageTheStoreRefusesIsNotDeliveredLater() throws {
        let harness = try TestBroker(maxSize: 1 << 20, initialMapSize: 1 << 20)
        let queue = try harness.broker.createQueue(name: "q", address: "q", routingType: .anycast, isDurable: true)
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: 0)
        let payload = String(repeating: "z", count: 8000)
        var accepted = 0
        var refused = false
        while !refused && accepted < 1000 {
            do {
                try harness.publish("q", "\(accepted) " + payload)
                accepted += 1
            } catch {
                refused = true
            }
        }
        #expect(refused)
        #expect(queue.statistics.messageCount == accepted)
        consumer.addCredit(2000)
        #expect(eventually { recorder.deliveries.count == accepted })
        let bodies = recorder.deliveries.map { String(buffer: $0.message.body).prefix(while: { $0 != " " }) }
        #expect(bodies == (0..<accepted).map { Substring("\($0)") })
    }
}
