import BrokerCore
import BrokerStore
import BrokerTestSupport
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import BrokerUplink

/// How the uplink hands the peer's outcomes to its forwarding queue: gathered per burst
/// (`UplinkSettlementBatch`), and always before anything that gives messages back.
@Suite("Uplink settlements")
struct UplinkSettlementTests {
    static func key(_ id: UInt64) -> EntryKey { EntryKey(queue: QueueID(1), priority: 4, message: MessageID(id)) }

    @Test func gathersAcknowledgmentsAndCreditOnly() {
        var batch = UplinkSettlementBatch()
        #expect(batch.isEmpty)
        // `gather` mutates, so its answers are collected first (#expect takes no mutating calls).
        var gathered: [Bool] = []
        for action: UplinkStateMachine.Action in [
            .acknowledge([Self.key(1)]), .addConsumerCredit(1), .acknowledge([Self.key(2), Self.key(3)]), .addConsumerCredit(2),
            .release([Self.key(4)]), .setConsumerCredit(0), .disconnect, .connect,
        ] {
            gathered.append(batch.gather(action))
        }
        #expect(gathered == [true, true, true, true, false, false, false, false])
        let taken = batch.take()
        #expect(taken.acknowledged == [Self.key(1), Self.key(2), Self.key(3)])
        #expect(taken.credit == 3)
        #expect(batch.isEmpty)
        let again = batch.take()
        #expect(again.acknowledged.isEmpty && again.credit == 0)
    }

    /// A connection that records what the uplink sends; the test plays the peer.
    final class RecordingConnection: UplinkConnection, @unchecked Sendable {
        // @unchecked: `sent` is behind its lock.
        let sent = NIOLockedValueBox<[Delivery]>([])
        func send(_ delivery: Delivery, remoteAddress: String, stableID: String) {
            self.sent.withLockedValue { $0.append(delivery) }
        }
        func acknowledgeInbound(_ receipt: UplinkInboundReceipt) {}
        func close() {}
    }

    struct RecordingTransport: UplinkTransport {
        let connections = NIOLockedValueBox<[RecordingConnection]>([])
        func connect(settings: UplinkSettings, on eventLoop: any EventLoop, events: any UplinkConnectionEvents) -> EventLoopFuture<any UplinkConnection> {
            let connection = RecordingConnection()
            self.connections.withLockedValue { $0.append(connection) }
            return eventLoop.makeSucceededFuture(connection)
        }
        var sent: [Delivery] { self.connections.withLockedValue { $0.flatMap { $0.sent.withLockedValue { $0 } } } }
        var latest: RecordingConnection? { self.connections.withLockedValue { $0.last } }
    }

    /// Accepted outcomes followed, in the same event-loop task, by the connection's end: the
    /// accepted messages are acknowledged (gone from the queue, never sent again) before the
    /// rest is released for the next connection, and every message is accepted exactly once.
    @Test func acceptedOutcomesReachTheQueueBeforeALostConnectionReleasesTheRest() throws {
        let harness = try TestBroker()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let settings = try UplinkSettings(
            name: "cloud", url: "amqp://127.0.0.1:1", forward: ["telemetry/#"], window: 4,
            reconnectInitialDelay: .milliseconds(1), reconnectMaxDelay: .milliseconds(5), nodeID: "edge"
        )
        let transport = RecordingTransport()
        let uplink = Uplink(settings: settings, broker: harness.broker, transport: transport, eventLoop: loop, logger: Logger(label: "test"))
        try uplink.start()
        for index in 0..<10 { try harness.publish("telemetry/a", "m\(index)", autoCreateAs: .multicast) }
        let forwarding = try #require(harness.broker.queue(named: "$uplink.cloud"))

        #expect(eventually { transport.sent.count == 4 })
        let first = transport.sent
        // One task, as one disposition frame: the outcomes are gathered (nothing has reached the
        // queue yet), and the end of the connection applies them before it releases the fourth.
        let (gathered, afterClose) = try loop.submit {
            for delivery in first.prefix(3) { uplink.outcome(of: delivery.key, .accepted) }
            let gathered = forwarding.statistics
            uplink.connectionClosed(error: "peer went away")
            return (gathered, forwarding.statistics)
        }.wait()
        #expect(gathered.messageCount == 10 && gathered.inFlight == 4)
        #expect(afterClose.messageCount == 7)
        #expect(afterClose.acknowledgedTotal == 3)

        // The next connection: accept what it sends, in whatever batches it comes.
        var accepted: [String] = first.prefix(3).map { String(buffer: $0.message.body) }
        var connectionIndex = 0
        var settledOnConnection = first.count
        let done = try eventually(timeout: .seconds(10)) {
            let connections = transport.connections.withLockedValue { $0 }
            if connections.count - 1 != connectionIndex {
                connectionIndex = connections.count - 1
                settledOnConnection = 0
            }
            let sent = connections[connectionIndex].sent.withLockedValue { $0 }
            let pending = Array(sent[settledOnConnection...])
            if !pending.isEmpty {
                try loop.submit { for delivery in pending { uplink.outcome(of: delivery.key, .accepted) } }.wait()
                accepted += pending.map { String(buffer: $0.message.body) }
                settledOnConnection = sent.count
            }
            return forwarding.statistics.messageCount == 0
        }
        #expect(done)
        // Each message accepted exactly once: none of the first three was sent again.
        #expect(accepted.sorted() == (0..<10).map { "m\($0)" }.sorted())
        #expect(connectionIndex == 1)
        #expect(try uplink.status().wait().forwardedTotal == 10)
        try uplink.stop().wait()
    }
}
