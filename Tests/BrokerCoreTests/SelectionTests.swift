import BrokerCore
import BrokerStore
import BrokerTestSupport
import NIOCore
import Testing

/// A filter on the body text: the consumer wants messages that start with `prefix`.
private struct BodyPrefixFilter: MessageFilter {
    var prefix: String

    func matches(_ message: StoredMessage) -> Bool {
        String(buffer: message.body).hasPrefix(self.prefix)
    }
}

private let prefixFilterFactory: MessageFilterFactory = { BodyPrefixFilter(prefix: $0) }

/// Takes every delivery, acknowledges it and grants one credit back, until `count` arrived.
private func consumeAll(_ recorder: RecordingConsumer, _ consumer: Consumer, count: Int) -> [String] {
    var received: [String] = []
    while received.count < count {
        guard recorder.waitFor(1, timeout: .seconds(5)) else { break }
        for delivery in recorder.take() {
            received.append(delivery.text)
            consumer.acknowledge(delivery.key)
            consumer.addCredit(1)
        }
    }
    return received
}

@Suite("Consumers with filters")
struct SelectionTests {
    static func prefix(_ text: String) -> SubscriptionSelector {
        SubscriptionSelector(text: text, filter: BodyPrefixFilter(prefix: text))
    }

    @Test func nonMatchingMessagesStayForOthersWithoutBlockingMatchingOnes() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        for text in ["a1", "b1", "a2", "b2"] { try harness.publish("q", text) }
        let selective = RecordingConsumer()
        _ = queue.addConsumer(delegate: selective, credit: 10, filter: BodyPrefixFilter(prefix: "b"))
        #expect(selective.waitFor(2))
        #expect(selective.deliveries.map(\.text) == ["b1", "b2"])
        let everything = RecordingConsumer()
        _ = queue.addConsumer(delegate: everything, credit: 10)
        #expect(everything.waitFor(2))
        #expect(everything.deliveries.map(\.text) == ["a1", "a2"])
        #expect(selective.deliveries.count == 2)
    }

    @Test func aMatchBehindAWindowOfNonMatchingMessagesIsFoundOnDisk() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 10))
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<100 { try harness.publish("q", "a\(index)") }
        try harness.publish("q", "b-late")
        let selective = RecordingConsumer()
        let selector = queue.addConsumer(delegate: selective, credit: 1, filter: BodyPrefixFilter(prefix: "b"))
        #expect(selective.waitFor(1))
        #expect(selective.deliveries.map(\.text) == ["b-late"])
        selector.acknowledge(try #require(selective.deliveries.first).key)
        // The message it took is not delivered again when the window reaches it.
        let everything = RecordingConsumer()
        let plain = queue.addConsumer(delegate: everything, credit: 5)
        let received = consumeAll(everything, plain, count: 100)
        #expect(received == (0..<100).map { "a\($0)" })
        #expect(eventually { queue.statistics.messageCount == 0 })
        #expect(everything.deliveries.isEmpty)
    }

    @Test func aCaughtUpConsumerGetsANewMatchStraightAway() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 10))
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<500 { try harness.publish("q", "a\(index)") }
        let selective = RecordingConsumer()
        _ = queue.addConsumer(delegate: selective, credit: 3, filter: BodyPrefixFilter(prefix: "b"))
        try harness.publish("q", "b1")
        try harness.publish("q", "a-more")
        try harness.publish("q", "b2")
        #expect(selective.waitFor(2))
        #expect(selective.deliveries.map(\.text) == ["b1", "b2"])
        #expect(queue.statistics.messageCount == 503)
        #expect(queue.statistics.inFlight == 2)
    }

    @Test func aMatchArrivingWithoutCreditIsDeliveredWhenCreditComes() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 10))
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<50 { try harness.publish("q", "a\(index)") }
        let selective = RecordingConsumer()
        let selector = queue.addConsumer(delegate: selective, credit: 1, filter: BodyPrefixFilter(prefix: "b"))
        try harness.publish("q", "b1")
        #expect(selective.waitFor(1))
        // No credit left: b2 is tested on arrival, found matching, and remembered.
        try harness.publish("q", "b2")
        for index in 50..<80 { try harness.publish("q", "a\(index)") }
        try harness.publish("q", "b3")
        #expect(selective.deliveries.count == 1)
        selector.addCredit(5)
        #expect(selective.waitFor(3))
        #expect(selective.deliveries.map(\.text) == ["b1", "b2", "b3"])
    }

    @Test func aDrainWaitsForTheScanBeyondTheWindow() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 10))
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<3_000 { try harness.publish("q", "a\(index)") }
        try harness.publish("q", "b-at-the-end")
        let selective = RecordingConsumer()
        let selector = queue.addConsumer(delegate: selective, credit: 0, filter: BodyPrefixFilter(prefix: "b"))
        selector.addCredit(5)
        selector.drain()
        #expect(eventually { selective.drains == [4] })
        #expect(selective.deliveries.map(\.text) == ["b-at-the-end"])
        #expect(selector.credit == 0)
    }

    @Test func aDrainWithNothingMatchingReportsAllItsCredit() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 10))
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<200 { try harness.publish("q", "a\(index)") }
        let selective = RecordingConsumer()
        let selector = queue.addConsumer(delegate: selective, credit: 0, filter: BodyPrefixFilter(prefix: "b"))
        selector.addCredit(5)
        selector.drain()
        #expect(eventually { selective.drains == [5] })
        #expect(selective.deliveries.isEmpty)
    }

    @Test func aReleasedMatchFromBeyondTheWindowIsDeliveredOnceMore() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 10))
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<40 { try harness.publish("q", "a\(index)") }
        try harness.publish("q", "b")
        for index in 40..<80 { try harness.publish("q", "a\(index)") }
        let selective = RecordingConsumer()
        let selector = queue.addConsumer(delegate: selective, credit: 1, filter: BodyPrefixFilter(prefix: "b"))
        #expect(selective.waitFor(1))
        selector.release(try #require(selective.deliveries.first).key, countAttempt: true)
        selector.close()
        let everything = RecordingConsumer()
        let plain = queue.addConsumer(delegate: everything, credit: 5)
        let received = consumeAll(everything, plain, count: 81)
        #expect(received.count == 81)
        #expect(Set(received).count == 81)
        #expect(received.filter { $0.hasPrefix("a") } == (0..<80).map { "a\($0)" })
        #expect(eventually { queue.statistics.messageCount == 0 })
    }

    @Test func filteredAndPlainConsumersShareAQueueWithoutDuplicates() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 16))
        let queue = try harness.broker.anycastQueue(for: "q")
        let texts = (0..<300).map { $0 % 3 == 0 ? "b\($0)" : "a\($0)" }
        for text in texts { try harness.publish("q", text) }
        let selective = RecordingConsumer()
        let selector = queue.addConsumer(delegate: selective, credit: 4, filter: BodyPrefixFilter(prefix: "b"))
        let everything = RecordingConsumer()
        let plain = queue.addConsumer(delegate: everything, credit: 4)
        var bySelector: [String] = []
        var byPlain: [String] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while bySelector.count + byPlain.count < 300, ContinuousClock.now < deadline {
            _ = eventually(timeout: .milliseconds(200)) { !selective.deliveries.isEmpty || !everything.deliveries.isEmpty }
            for delivery in selective.take() {
                bySelector.append(delivery.text)
                selector.acknowledge(delivery.key)
                selector.addCredit(1)
            }
            for delivery in everything.take() {
                byPlain.append(delivery.text)
                plain.acknowledge(delivery.key)
                plain.addCredit(1)
            }
        }
        #expect(bySelector.allSatisfy { $0.hasPrefix("b") })
        #expect(Set(bySelector + byPlain) == Set(texts))
        #expect(bySelector.count + byPlain.count == 300)
        #expect(!bySelector.isEmpty)
    }

    @Test func aSubscriptionWithASelectorStoresOnlyMatchingMessagesAcrossARestart() throws {
        let harness = try TestBroker(filterFactory: prefixFilterFactory)
        _ = try harness.broker.subscribe(queueName: "sub", filter: "t", isDurable: true, selector: Self.prefix("b"))
        _ = try harness.broker.subscribe(queueName: "all", filter: "t", isDurable: true)
        try harness.publish("t", "a1", autoCreateAs: .multicast)
        try harness.publish("t", "b1", autoCreateAs: .multicast)
        #expect(harness.broker.queue(named: "sub")?.statistics.messageCount == 1)
        #expect(harness.broker.queue(named: "all")?.statistics.messageCount == 2)
        try harness.reopen()
        let subscription = try #require(harness.broker.queue(named: "sub"))
        #expect(subscription.selector == "b")
        try harness.publish("t", "a2", autoCreateAs: .multicast)
        try harness.publish("t", "b2", autoCreateAs: .multicast)
        #expect(subscription.statistics.messageCount == 2)
        let recorder = RecordingConsumer()
        _ = subscription.addConsumer(delegate: recorder, credit: 10)
        #expect(recorder.waitFor(2))
        #expect(recorder.deliveries.map(\.text) == ["b1", "b2"])
    }

    @Test func aSubscriptionCannotBeRedeclaredWithAnotherSelector() throws {
        let harness = try TestBroker(filterFactory: prefixFilterFactory)
        _ = try harness.broker.subscribe(queueName: "sub", filter: "t", isDurable: true, selector: Self.prefix("b"))
        #expect(throws: BrokerError.self) {
            try harness.broker.subscribe(queueName: "sub", filter: "t", isDurable: true, selector: Self.prefix("c"))
        }
        #expect(throws: Never.self) {
            try harness.broker.subscribe(queueName: "sub", filter: "t", isDurable: true, selector: Self.prefix("b"))
        }
    }

    @Test func aNoLocalSubscriptionSkipsItsOwnConnectionsMessages() throws {
        let harness = try TestBroker()
        let subscription = try harness.broker.subscribe(queueName: "sub", filter: "t", isDurable: false)
        subscription.excludeMessages(publishedBy: 7)
        try harness.publish("t", "mine", autoCreateAs: .multicast, publisherConnection: 7)
        try harness.publish("t", "theirs", autoCreateAs: .multicast, publisherConnection: 8)
        try harness.publish("t", "anonymous", autoCreateAs: .multicast)
        let recorder = RecordingConsumer()
        _ = subscription.addConsumer(delegate: recorder, credit: 10)
        #expect(recorder.waitFor(2))
        #expect(recorder.deliveries.map(\.text) == ["theirs", "anonymous"])
        subscription.excludeMessages(publishedBy: nil)
        try harness.publish("t", "mine-again", autoCreateAs: .multicast, publisherConnection: 7)
        #expect(recorder.waitFor(3))
    }

    @Test func aHigherPriorityMatchOvertakesWhatTheScanAlreadyPassed() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 10))
        let queue = try harness.broker.anycastQueue(for: "q")
        for index in 0..<100 { try harness.publish("q", "a\(index)", priority: 1) }
        let selective = RecordingConsumer()
        let selector = queue.addConsumer(delegate: selective, credit: 1, filter: BodyPrefixFilter(prefix: "b"))
        try harness.publish("q", "b-low", priority: 1)
        #expect(selective.waitFor(1))
        try harness.publish("q", "b-high", priority: 8)
        selector.addCredit(1)
        #expect(selective.waitFor(2))
        #expect(selective.deliveries.map(\.text) == ["b-low", "b-high"])
    }
}
