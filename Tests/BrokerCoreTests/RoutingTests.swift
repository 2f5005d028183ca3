import BrokerCore
import BrokerStore
import BrokerTestSupport
import Testing

@Suite("Routing")
struct RoutingTests {
    @Test func anycastRoundRobinsAcrossConsumersWithCredit() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "orders")
        let first = RecordingConsumer()
        let second = RecordingConsumer()
        let a = queue.addConsumer(delegate: first, credit: 10)
        let b = queue.addConsumer(delegate: second, credit: 10)
        for index in 0..<6 {
            try harness.publish("orders", "m\(index)")
        }
        #expect(eventually { first.deliveries.count + second.deliveries.count == 6 })
        #expect(first.deliveries.count == 3)
        #expect(second.deliveries.count == 3)
        // Each message went to exactly one consumer.
        let texts = Set((first.deliveries + second.deliveries).map(\.text))
        #expect(texts.count == 6)
        a.close()
        b.close()
    }

    @Test func multicastCopiesToEverySubscriptionAndStoresOnce() throws {
        let harness = try TestBroker()
        let one = try harness.broker.subscribe(queueName: "sub-1", filter: "news", isDurable: true)
        let two = try harness.broker.subscribe(queueName: "sub-2", filter: "news", isDurable: true)
        try harness.publish("news", "hello", autoCreateAs: .multicast)
        #expect(one.statistics.messageCount == 1)
        #expect(two.statistics.messageCount == 1)
        #expect(try harness.store.read { try $0.messageCount() } == 1)

        let consumer = RecordingConsumer()
        let c = one.addConsumer(delegate: consumer, credit: 1)
        #expect(consumer.waitFor(1))
        c.acknowledge(consumer.deliveries[0].key)
        // The body stays while the second subscription still holds it.
        #expect(eventually { (try? harness.store.read { try $0.messageCount() }) == 1 && one.statistics.messageCount == 0 })
        #expect(two.statistics.messageCount == 1)
    }

    @Test func wildcardSubscriptionsMatchByLevel() throws {
        let harness = try TestBroker()
        let plus = try harness.broker.subscribe(queueName: "plus", filter: "sensors/+/temp", isDurable: false)
        let hash = try harness.broker.subscribe(queueName: "hash", filter: "sensors/#", isDurable: false)
        let root = try harness.broker.subscribe(queueName: "root", filter: "#", isDurable: false)
        try harness.publish("sensors/t1/temp", "21.5", autoCreateAs: .multicast)
        try harness.publish("sensors/t1/humidity", "40", autoCreateAs: .multicast)
        try harness.publish("$SYS/uptime", "1", autoCreateAs: .multicast)
        #expect(plus.statistics.messageCount == 1)
        #expect(hash.statistics.messageCount == 2)
        #expect(root.statistics.messageCount == 2)
    }

    @Test func wildcardsMatchEmptyLevels() throws {
        // The trie walks the address's levels in place: a trailing or leading "/" is an empty level.
        let harness = try TestBroker()
        let trailing = try harness.broker.subscribe(queueName: "trailing", filter: "a/+", isDurable: false)
        let leading = try harness.broker.subscribe(queueName: "leading", filter: "+/b", isDurable: false)
        let deep = try harness.broker.subscribe(queueName: "deep", filter: "a/+/c", isDurable: false)
        try harness.publish("a/", "1", autoCreateAs: .multicast)
        try harness.publish("/b", "2", autoCreateAs: .multicast)
        try harness.publish("a//c", "3", autoCreateAs: .multicast)
        try harness.publish("a/b/c/d", "4", autoCreateAs: .multicast)
        #expect(trailing.statistics.messageCount == 1)
        #expect(leading.statistics.messageCount == 1)
        #expect(deep.statistics.messageCount == 1)
    }

    @Test func unknownAddressIsRefusedWhenAutoCreateIsOff() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(autoCreateAddresses: false))
        #expect(throws: BrokerError.self) { try harness.publish("nowhere", "x") }
        #expect(throws: BrokerError.self) { _ = try harness.broker.anycastQueue(for: "nowhere") }
    }

    @Test func topicWithoutSubscribersAcceptsAndDrops() throws {
        let harness = try TestBroker()
        try harness.publish("lonely/topic", "x", autoCreateAs: .multicast)
        #expect(try harness.store.read { try $0.messageCount() } == 0)
    }
}

@Suite("Queues with several bindings")
struct MultipleBindingTests {
    @Test func aQueueBoundByTwoMatchingPatternsGetsOneCopy() throws {
        let harness = try TestBroker()
        let collector = try harness.broker.createQueue(
            name: "$uplink.cloud",
            address: "$uplink.cloud",
            routingType: .multicast,
            isDurable: true,
            filter: "telemetry/#",
            additionalBindings: ["telemetry/+/temp", "alarms"]
        )
        let local = try harness.broker.anycastQueue(for: "alarms")
        try harness.publish("telemetry/t1/temp", "21.5", autoCreateAs: .multicast)
        try harness.publish("alarms", "fire")
        try harness.publish("other", "x")
        #expect(collector.statistics.messageCount == 2)
        // Local consumers of an anycast address are unaffected by the extra copy.
        #expect(local.statistics.messageCount == 1)
        try harness.reopen()
        let reopened = try #require(harness.broker.queue(named: "$uplink.cloud"))
        #expect(reopened.bindings == ["telemetry/#", "telemetry/+/temp", "alarms"])
        try harness.publish("alarms", "again")
        #expect(reopened.statistics.messageCount == 3)
    }

    /// Beyond a few matching queues duplicates are found with a set instead of pairwise.
    @Test(arguments: [3, 40])
    func everyMatchingQueueOnceWhateverTheirNumber(subscriptions: Int) throws {
        let harness = try TestBroker()
        var queues: [Queue] = []
        for index in 0..<subscriptions {
            queues.append(
                try harness.broker.createQueue(
                    name: "s\(index)",
                    address: "s\(index)",
                    routingType: .multicast,
                    isDurable: true,
                    filter: "plant/#",
                    additionalBindings: ["plant/+/temp", "plant/line1/temp"]
                )
            )
        }
        let routed = harness.broker.route("plant/line1/temp")
        #expect(routed.count == subscriptions)
        #expect(Set(routed.map(ObjectIdentifier.init)) == Set(queues.map(ObjectIdentifier.init)))
        #expect(harness.broker.route("plant/line2/pressure").count == subscriptions)
    }
}
