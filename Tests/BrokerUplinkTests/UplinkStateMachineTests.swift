import BrokerCore
import BrokerStore
import NIOCore
import Testing

@testable import BrokerUplink

@Suite("Uplink state machine")
struct UplinkStateMachineTests {
    func delivery(_ id: UInt64, priority: UInt8 = 4, size: Int = 100) -> Delivery {
        let message = StoredMessage(id: MessageID(id), address: "telemetry/a", priority: priority, creationTime: 0, body: ByteBuffer(repeating: 0, count: size))
        return Delivery(key: EntryKey(queue: QueueID(1), priority: priority, message: MessageID(id)), message: message, deliveryCount: 0)
    }

    func machine(window: Int = 3, bandwidth: Int = 0) -> UplinkStateMachine {
        UplinkStateMachine(
            window: window,
            backoff: ReconnectBackoff(initialDelay: .seconds(1), maximumDelay: .seconds(60)),
            bandwidthLimit: bandwidth,
            now: 0
        )
    }

    @Test func connectsThenOpensTheWindow() {
        var uplink = self.machine()
        #expect(uplink.started() == [.setConsumerCredit(0), .connect])
        #expect(uplink.connectSucceeded(now: 5) == [.setConsumerCredit(3)])
        #expect(uplink.state == .connected(since: 5))
    }

    @Test func sendsWhatArrivesAndSettlesEachOutcome() {
        var uplink = self.machine()
        _ = uplink.started()
        _ = uplink.connectSucceeded(now: 0)
        let (a, b, c) = (self.delivery(1), self.delivery(2), self.delivery(3))
        #expect(uplink.deliveriesArrived([a, b, c], now: 0) == [.send(a), .send(b), .send(c)])
        #expect(uplink.outcomeReceived(a.key, .accepted) == [.acknowledge([a.key]), .addConsumerCredit(1)])
        #expect(uplink.outcomeReceived(b.key, .rejected(reason: "too big")) == [.deadLetter(b, reason: "too big"), .addConsumerCredit(1)])
        #expect(uplink.outcomeReceived(c.key, .notTaken) == [.release([c.key]), .addConsumerCredit(1)])
        // A second outcome for the same message (a duplicate disposition) does nothing.
        #expect(uplink.outcomeReceived(a.key, .accepted) == [])
        #expect(uplink.acceptedTotal == 1 && uplink.rejectedTotal == 1)
    }

    @Test func aLostConnectionGivesEverythingBackAndBacksOff() {
        var uplink = self.machine()
        _ = uplink.started()
        _ = uplink.connectSucceeded(now: 0)
        let (a, b) = (self.delivery(1), self.delivery(2))
        _ = uplink.deliveriesArrived([a, b], now: 0)
        let actions = uplink.connectionLost(error: "reset", random: { 0 })
        #expect(actions == [.setConsumerCredit(0), .release([a.key, b.key]), .scheduleReconnect(after: .seconds(1))])
        #expect(uplink.lastError == "reset")
        #expect(uplink.reconnectTimerFired() == [.connect])
        // Outcomes from the old connection no longer count.
        #expect(uplink.outcomeReceived(a.key, .accepted) == [])
    }

    @Test func backoffGrowsWithJitterUpToTheMaximumAndResetsOnSuccess() {
        var backoff = ReconnectBackoff(initialDelay: .seconds(1), maximumDelay: .seconds(10))
        #expect(backoff.nextDelay(random: { 1 }) == .seconds(3))
        #expect(backoff.nextDelay(random: { 1 }) == .seconds(9))
        #expect(backoff.nextDelay(random: { 1 }) == .seconds(10))
        #expect(backoff.nextDelay(random: { 0 }) == .seconds(1))
        let jittered = backoff.nextDelay(random: { 0.5 })
        #expect(jittered == .seconds(2))
        backoff.reset()
        #expect(backoff.nextDelay(random: { 1 }) == .seconds(3))
    }

    @Test func flushRetriesAtOnce() {
        var uplink = self.machine()
        _ = uplink.started()
        _ = uplink.connectFailed(error: "refused", random: { 1 })
        #expect(uplink.flushRequested() == [.cancelReconnect, .connect])
        #expect(uplink.state == .connecting)
    }

    @Test func pauseAndResume() {
        var uplink = self.machine()
        _ = uplink.started()
        _ = uplink.connectSucceeded(now: 0)
        let a = self.delivery(1)
        _ = uplink.deliveriesArrived([a], now: 0)
        #expect(uplink.pauseRequested() == [.setConsumerCredit(0), .release([a.key]), .cancelReconnect, .disconnect])
        #expect(uplink.deliveriesArrived([self.delivery(2)], now: 0) == [.release([self.delivery(2).key])])
        #expect(uplink.resumeRequested() == [.connect])
        #expect(uplink.connectSucceeded(now: 1) == [.setConsumerCredit(3)])
    }

    @Test func bandwidthCapHoldsMessagesBack() {
        // 64 KiB burst, then 1,000 bytes/s.
        var uplink = self.machine(window: 10, bandwidth: 1000)
        _ = uplink.started()
        _ = uplink.connectSucceeded(now: 0)
        let big = self.delivery(1, size: 64 * 1024)
        let next = self.delivery(2, size: 1000)
        let actions = uplink.deliveriesArrived([big, next], now: 0)
        #expect(actions.first == .send(big))
        guard case .scheduleSendRetry(let wait) = actions.last else {
            Issue.record("expected a retry, got \(actions)")
            return
        }
        #expect(wait > 900 && wait <= 1100)
        #expect(uplink.sendRetryTimerFired(now: 1200) == [.send(next)])
    }

    @Test func tokenBucketRefillsAtItsRate() {
        var bucket = TokenBucket(bytesPerSecond: 100_000, now: 0)
        #expect(bucket.take(100_000, now: 0) == 0)
        #expect(bucket.take(50_000, now: 0) == 500)
        #expect(bucket.take(50_000, now: 500) == 0)
    }

    @Test(arguments: [
        ("amqp://cloud.example.com:5671", "cloud.example.com", 5671),
        ("mqtt://10.0.0.1", "10.0.0.1", 1883),
        ("amqp://[::1]:5673/vhost", "::1", 5673),
    ])
    func urlsParse(url: String, host: String, port: Int) throws {
        let settings = try UplinkSettings(name: "cloud", url: url, forward: ["#"], nodeID: "edge-1")
        #expect(settings.host == host && settings.port == port)
    }

    @Test(arguments: ["http://x", "amqp://", "amqp://host:99999", "mqtt:/x"])
    func badURLsAreRefused(url: String) {
        #expect(throws: UplinkError.self) { try UplinkSettings(name: "cloud", url: url, forward: ["#"], nodeID: "n") }
    }

    @Test func remoteAddressTemplate() throws {
        let settings = try UplinkSettings(name: "c", url: "amqp://h", forward: ["#"], remoteAddress: "edge/{node-id}/{address}", nodeID: "edge-17")
        #expect(settings.remoteAddress(for: "telemetry/t1") == "edge/edge-17/telemetry/t1")
        #expect(settings.forwardingQueueName == "$uplink.c")
    }
}
