import BrokerCore
import BrokerManagement
import BrokerTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct DrainLeaseTests {
    @Test func receiveLeasesThenAckRemoves() async throws {
        let harness = try ManagementHarness()
        try harness.publish("orders", (0..<10).map { "m\($0)" })
        try await harness.test { client in
            let received = try await client.call(.post, "/api/v1/queues/orders/receive?max=4&lease=30s").decode(ReceiveResult.self)
            #expect(received.messages.map(\.body) == ["m0", "m1", "m2", "m3"])
            #expect(received.leaseSeconds == 30)
            // Leased messages are still in the queue, in flight.
            var queue = try await client.call(.get, "/api/v1/queues/orders").decode(QueueView.self)
            #expect(queue.messages == 10)
            #expect(queue.inFlight == 4)

            let keys = received.messages.compactMap(\.key)
            let acked = try await client.call(.post, "/api/v1/queues/orders/ack", json: SettleRequest(lease: received.lease, keys: keys)).decode(SettleResult.self)
            #expect(acked.settled == keys)
            #expect(acked.unknown.isEmpty)
            queue = try await client.call(.get, "/api/v1/queues/orders").decode(QueueView.self)
            #expect(queue.messages == 6)
            #expect(queue.inFlight == 0)

            // The same lease goes on where it stopped; acking twice settles nothing more.
            let next = try await client.call(.post, "/api/v1/queues/orders/receive?max=100&wait=200ms&lease_id=\(received.lease)").decode(ReceiveResult.self)
            #expect(next.lease == received.lease)
            #expect(next.messages.map(\.body) == ["m4", "m5", "m6", "m7", "m8", "m9"])
            let again = try await client.call(.post, "/api/v1/queues/orders/ack", json: SettleRequest(lease: received.lease, keys: keys)).decode(SettleResult.self)
            #expect(again.settled.isEmpty)
            #expect(again.unknown == keys)

            // Ending the lease gives the rest back.
            #expect(try await client.call(.delete, "/api/v1/leases/\(received.lease)").status == .ok)
            queue = try await client.call(.get, "/api/v1/queues/orders").decode(QueueView.self)
            #expect(queue.messages == 6)
            #expect(queue.inFlight == 0)
            #expect(try await client.call(.delete, "/api/v1/leases/\(received.lease)").status == .notFound)
        }
    }

    @Test func anExpiredLeaseGivesMessagesBackWithoutCountingAnAttempt() async throws {
        let harness = try ManagementHarness()
        try harness.publish("orders", ["a", "b", "c"])
        try await harness.test { client in
            let received = try await client.call(.post, "/api/v1/queues/orders/receive?max=2&lease=200ms").decode(ReceiveResult.self)
            #expect(received.messages.count == 2)
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.api.expireLeases() == 1)
            let queue = try await client.call(.get, "/api/v1/queues/orders").decode(QueueView.self)
            #expect(queue.messages == 3)
            #expect(queue.inFlight == 0)
            #expect(queue.consumers == 0)
            // An ack after expiry settles nothing and says so.
            let late = try await client.call(.post, "/api/v1/queues/orders/ack", json: SettleRequest(lease: received.lease, keys: received.messages.compactMap(\.key)))
            #expect(late.status == .conflict)
            #expect(try late.decode(ErrorBody.self).error == "lease-expired")
            // Back in order, delivery count unchanged.
            let page = try await client.call(.get, "/api/v1/queues/orders/messages").decode(MessagePage.self)
            #expect(page.messages.map(\.body) == ["a", "b", "c"])
            #expect(page.messages.allSatisfy { $0.deliveryCount == 0 })
        }
    }

    @Test func releaseGivesSomeBack() async throws {
        let harness = try ManagementHarness()
        try harness.publish("orders", ["a", "b"])
        try await harness.test { client in
            let received = try await client.call(.post, "/api/v1/queues/orders/receive?max=2").decode(ReceiveResult.self)
            let first = try #require(received.messages.first?.key)
            let released = try await client.call(.post, "/api/v1/queues/orders/release", json: SettleRequest(lease: received.lease, keys: [first])).decode(SettleResult.self)
            #expect(released.settled == [first])
            let queue = try await client.call(.get, "/api/v1/queues/orders").decode(QueueView.self)
            #expect(queue.inFlight == 1)
        }
    }

    @Test func receiveOnAnEmptyQueueReturnsNothingAfterTheWait() async throws {
        let harness = try ManagementHarness()
        _ = try harness.broker.createQueue(name: "empty", address: "empty", routingType: .anycast, isDurable: true)
        try await harness.test { client in
            let started = ContinuousClock.now
            let received = try await client.call(.post, "/api/v1/queues/empty/receive?max=10&wait=100ms").decode(ReceiveResult.self)
            #expect(received.messages.isEmpty)
            #expect(ContinuousClock.now - started >= .milliseconds(100))
            #expect(try await client.call(.post, "/api/v1/queues/empty/receive?lease=forever").status == .badRequest)
        }
    }

    @Test func drainingABacklogBiggerThanTheWindowPagesIn() async throws {
        let harness = try ManagementHarness()
        let count = 2500
        try await harness.test { client in
            _ = try await client.call(.post, "/api/v1/addresses/big/messages", json: SendRequest(body: "payload", count: count))
        }
        // Reopen so the backlog is on disk with only a window in memory.
        try harness.testBroker.reopen()
        let reopened = try ManagementHarness.wrapping(harness.testBroker)
        try await reopened.test { client in
            var seen = Set<UInt64>()
            var lease: String?
            while true {
                let uri = "/api/v1/queues/big/receive?max=700&wait=500ms" + (lease.map { "&lease_id=\($0)" } ?? "")
                let received = try await client.call(.post, uri).decode(ReceiveResult.self)
                lease = received.lease
                if received.messages.isEmpty { break }
                for message in received.messages { #expect(seen.insert(message.id).inserted) }
                _ = try await client.call(.post, "/api/v1/queues/big/ack", json: SettleRequest(lease: received.lease, keys: received.messages.compactMap(\.key)))
            }
            #expect(seen.count == count)
            #expect(try await client.call(.get, "/api/v1/queues/big").decode(QueueView.self).messages == 0)
        }
    }
}

extension ManagementHarness {
    /// Another API over the same (reopened) test broker.
    static func wrapping(_ broker: TestBroker) throws -> ManagementHarness {
        try ManagementHarness(existing: broker)
    }
}
