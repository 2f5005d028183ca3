import BrokerCore
import BrokerManagement
import BrokerStore
import BrokerTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ManagementAPITests {
    // MARK: Open routes

    @Test func healthAndReadinessNeedNoToken() async throws {
        let harness = try ManagementHarness()
        try await harness.test { client in
            let health = try await client.call(.get, "/healthz", token: nil)
            #expect(health.status == .ok)
            #expect(try health.decode([String: String].self) == ["status": "ok"])
            let ready = try await client.call(.get, "/readyz", token: nil)
            #expect(ready.status == .ok)
        }
        harness.readiness.set(false)
        try await harness.test { client in
            let notReady = try await client.call(.get, "/readyz", token: nil)
            #expect(notReady.status == .serviceUnavailable)
            #expect(try notReady.decode(ErrorBody.self).error == "unavailable")
        }
    }

    @Test func metricsArePrometheusText() async throws {
        let harness = try ManagementHarness()
        try harness.publish("orders", ["a", "bb", "ccc"])
        harness.api.metrics.messagesReceived(protocol: "amqp", count: 3)
        harness.api.metrics.messagesSent(protocol: "mqtt")
        _ = harness.connections.register(protocolName: "amqp", remoteAddress: "127.0.0.1:5000", since: 0) {}
        try await harness.test { client in
            let response = try await client.call(.get, "/metrics", token: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            #expect(text.contains("# TYPE outpost_queue_messages gauge"))
            #expect(text.contains(#"outpost_queue_messages{queue="orders"} 3"#))
            #expect(text.contains(#"outpost_queue_bytes{queue="orders"}"#))
            #expect(text.contains(#"outpost_connections{protocol="amqp"} 1"#))
            #expect(text.contains(#"outpost_messages_in_total{protocol="amqp"} 3"#))
            #expect(text.contains(#"outpost_messages_out_total{protocol="mqtt"} 1"#))
            #expect(text.contains("outpost_store_used_bytes "))
            #expect(text.contains("outpost_store_commits_total "))
            #expect(text.contains("outpost_store_commit_latency_seconds "))
            // Every sample line is `name{labels} value` or `name value`.
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(line.split(separator: " ").count == 2, "bad sample line: \(line)")
            }
        }
    }

    @Test func deletedQueuesLeaveTheMetrics() async throws {
        let harness = try ManagementHarness()
        try harness.publish("gone", ["x"])
        try await harness.test { client in
            let before = try await client.call(.get, "/metrics", token: nil).text
            #expect(before.contains(#"queue="gone""#))
            let deleted = try await client.call(.delete, "/api/v1/queues/gone")
            #expect(deleted.status == .ok)
            let after = try await client.call(.get, "/metrics", token: nil).text
            #expect(after.contains(#"queue="gone""#) == false)
        }
    }

    // MARK: Authentication

    @Test func everyAPIRouteNeedsTheToken() async throws {
        let harness = try ManagementHarness()
        try harness.publish("orders", ["a"])
        let routes: [(HTTPRequest.Method, String)] = [
            (.get, "/api/v1/queues"), (.get, "/api/v1/queues/orders"), (.get, "/api/v1/queues/orders/messages"),
            (.post, "/api/v1/queues/orders/purge"), (.delete, "/api/v1/queues/orders"), (.post, "/api/v1/queues"),
            (.post, "/api/v1/queues/orders/move"), (.post, "/api/v1/queues/orders/receive"), (.post, "/api/v1/queues/orders/ack"),
            (.get, "/api/v1/addresses"), (.post, "/api/v1/addresses/orders/messages"), (.get, "/api/v1/connections"),
            (.delete, "/api/v1/connections/1"), (.get, "/api/v1/uplinks"), (.post, "/api/v1/uplinks/flush"),
            (.delete, "/api/v1/leases/x"),
        ]
        try await harness.test { client in
            for (method, uri) in routes {
                let missing = try await client.call(method, uri, token: nil)
                #expect(missing.status == .unauthorized, "\(method) \(uri)")
                #expect(try missing.decode(ErrorBody.self).error == "unauthorized")
                #expect(missing.headers[.wwwAuthenticate] == "Bearer")
                let wrong = try await client.call(method, uri, token: String(repeating: "0", count: 64))
                #expect(wrong.status == .unauthorized, "\(method) \(uri)")
                #expect(try wrong.decode(ErrorBody.self).detail.contains("wrong token"))
            }
            // The queue is untouched by all of that.
            #expect(try await client.call(.get, "/api/v1/queues/orders").decode(QueueView.self).messages == 1)
        }
    }

    // MARK: Queues

    @Test func unknownQueuesAndRoutesAreJSON404() async throws {
        let harness = try ManagementHarness()
        try await harness.test { client in
            for uri in ["/api/v1/queues/nope", "/api/v1/queues/nope/messages"] {
                let response = try await client.call(.get, uri)
                #expect(response.status == .notFound)
                let error = try response.decode(ErrorBody.self)
                #expect(error.error == "not-found")
                #expect(error.detail.contains("nope"))
            }
            #expect(try await client.call(.post, "/api/v1/queues/nope/purge").status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/queues/nope").status == .notFound)
            let route = try await client.call(.get, "/api/v1/nothing-here")
            #expect(route.status == .notFound)
            #expect(try route.decode(ErrorBody.self).error == "not-found")
        }
    }

    @Test func listAndStatShowDepthBytesAgeAndTotals() async throws {
        let harness = try ManagementHarness()
        try harness.publish("orders", ["one", "two"])
        harness.testBroker.clock.advance(by: 90_000)
        try harness.publish("orders", ["three"], priority: 9)
        try harness.publish("sensors/t1", ["21.5"])
        try await harness.test { client in
            let list = try await client.call(.get, "/api/v1/queues").decode(QueueList.self)
            #expect(list.queues.map(\.name) == ["orders", "sensors/t1"])
            let orders = try #require(list.queues.first)
            #expect(orders.messages == 3)
            #expect(orders.bytes > 0)
            #expect(orders.routingType == "anycast")
            #expect(orders.durable)
            #expect(orders.enqueuedTotal == 3)
            // The oldest is a priority-4 message behind a newer priority-9 head.
            #expect(orders.oldestMessageAgeSeconds == 90)
            // Names with '/' travel percent-encoded.
            let sensor = try await client.call(.get, "/api/v1/queues/sensors%2Ft1").decode(QueueView.self)
            #expect(sensor.messages == 1)
            #expect(sensor.oldestMessageAgeSeconds == 0)
        }
    }

    @Test func createAndDelete() async throws {
        let harness = try ManagementHarness()
        try await harness.test { client in
            let created = try await client.call(.post, "/api/v1/queues", json: CreateQueueRequest(name: "audit", address: "events", routingType: "multicast", durable: true))
            #expect(created.status == .created)
            let view = try created.decode(QueueView.self)
            #expect(view.address == "events")
            #expect(view.routingType == "multicast")
            // The same definition again is fine; another one conflicts.
            #expect(try await client.call(.post, "/api/v1/queues", json: CreateQueueRequest(name: "audit", address: "events", routingType: "multicast")).status == .ok)
            let conflict = try await client.call(.post, "/api/v1/queues", json: CreateQueueRequest(name: "audit", address: "other"))
            #expect(conflict.status == .conflict)
            #expect(try conflict.decode(ErrorBody.self).error == "conflict")
            let bad = try await client.call(.post, "/api/v1/queues", json: CreateQueueRequest(name: "x", routingType: "broadcast"))
            #expect(bad.status == .badRequest)
            let notJSON = try await client.execute(uri: "/api/v1/queues", method: .post, headers: [.authorization: "Bearer \(testToken)"], body: ByteBuffer(string: "{"))
            #expect(notJSON.status == .badRequest)
            #expect(try notJSON.decode(ErrorBody.self).detail.contains("invalid JSON"))

            let addresses = try await client.call(.get, "/api/v1/addresses").decode(AddressList.self)
            #expect(addresses.addresses.contains(AddressView(name: "events", routingTypes: ["multicast"], queues: ["audit"])))

            #expect(try await client.call(.delete, "/api/v1/queues/audit").status == .ok)
            #expect(try await client.call(.get, "/api/v1/queues/audit").status == .notFound)
        }
        #expect(harness.broker.queue(named: "audit") == nil)
    }

    @Test func browsePagesInDeliveryOrderWithoutConsuming() async throws {
        let harness = try ManagementHarness()
        try harness.publish("orders", (0..<25).map { "message \($0)" })
        try await harness.test { client in
            var bodies: [String] = []
            var from: String?
            var pages = 0
            repeat {
                let uri = "/api/v1/queues/orders/messages?limit=10" + (from.map { "&from=\($0)" } ?? "")
                let page = try await client.call(.get, uri).decode(MessagePage.self)
                bodies += page.messages.map(\.body)
                #expect(page.messages.allSatisfy { !$0.bodyBase64 && $0.key != nil && $0.origin == "core" })
                from = page.next
                pages += 1
            } while from != nil && pages < 10
            #expect(pages == 3)
            #expect(bodies == (0..<25).map { "message \($0)" })
            #expect(try await client.call(.get, "/api/v1/queues/orders").decode(QueueView.self).messages == 25)
            #expect(try await client.call(.get, "/api/v1/queues/orders/messages?limit=0").status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/queues/orders/messages?from=garbage").status == .badRequest)
        }
    }

    @Test func browseShowsBinaryBodiesAsBase64() async throws {
        let harness = try ManagementHarness()
        try harness.publish("bin", body: ByteBuffer(bytes: [0xff, 0x00, 0xfe]), origin: .core)
        try await harness.test { client in
            let page = try await client.call(.get, "/api/v1/queues/bin/messages?raw=1").decode(MessagePage.self)
            let message = try #require(page.messages.first)
            #expect(message.bodyBase64)
            #expect(message.body == "/wD+")
            #expect(message.raw == "/wD+")
        }
    }

    @Test func purgeRemovesReadyMessages() async throws {
        let harness = try ManagementHarness()
        try harness.publish("orders", ["a", "b", "c"])
        try await harness.test { client in
            let result = try await client.call(.post, "/api/v1/queues/orders/purge").decode(CountResult.self)
            #expect(result == CountResult(count: 3, operation: "purge"))
            #expect(try await client.call(.get, "/api/v1/queues/orders").decode(QueueView.self).messages == 0)
        }
    }

    @Test func moveSendsMessagesToAnotherAddressInOrder() async throws {
        let harness = try ManagementHarness()
        try harness.publish("stuck", ["1", "2", "3", "4", "5"])
        try await harness.test { client in
            let moved = try await client.call(.post, "/api/v1/queues/stuck/move", json: MoveRequest(toAddress: "retry", max: 3)).decode(CountResult.self)
            #expect(moved.count == 3)
            #expect(try await client.call(.get, "/api/v1/queues/stuck").decode(QueueView.self).messages == 2)
            let page = try await client.call(.get, "/api/v1/queues/retry/messages").decode(MessagePage.self)
            #expect(page.messages.map(\.body) == ["1", "2", "3"])
            #expect(page.messages.allSatisfy { $0.address == "retry" && $0.deliveryCount == 0 })
            let rest = try await client.call(.post, "/api/v1/queues/stuck/move", json: MoveRequest(toAddress: "retry")).decode(CountResult.self)
            #expect(rest.count == 2)
            #expect(try await client.call(.get, "/api/v1/queues/retry").decode(QueueView.self).messages == 5)
            #expect(try await client.call(.get, "/api/v1/queues/stuck").decode(QueueView.self).messages == 0)
        }
    }

    @Test func sendPublishesThroughTheAPI() async throws {
        let harness = try ManagementHarness()
        try await harness.test { client in
            let sent = try await client.call(.post, "/api/v1/addresses/jobs/messages", json: SendRequest(body: "hello", priority: 7, count: 3))
            #expect(sent.status == .created)
            #expect(try sent.decode(CountResult.self).count == 3)
            let page = try await client.call(.get, "/api/v1/queues/jobs/messages").decode(MessagePage.self)
            #expect(page.messages.map(\.body) == ["hello", "hello", "hello"])
            #expect(page.messages.allSatisfy { $0.priority == 7 && $0.durable })
            #expect(try await client.call(.post, "/api/v1/addresses/jobs/messages", json: SendRequest(body: "x", priority: 12)).status == .badRequest)
        }
    }

    // MARK: Connections and uplinks

    @Test func connectionsAreListedAndClosed() async throws {
        let harness = try ManagementHarness()
        let closed = NIOLockedValueBoxBool()
        let id = harness.connections.register(protocolName: "mqtt", remoteAddress: "127.0.0.1:40000", since: 1_700_000_000_000) { closed.set() }
        harness.connections.identify(id, clientID: "sensor-1", username: "plant")
        harness.connections.countTraffic(id, messagesIn: 5, messagesOut: 2)
        try await harness.test { client in
            let list = try await client.call(.get, "/api/v1/connections").decode(ConnectionList.self)
            let connection = try #require(list.connections.first)
            #expect(connection.id == id)
            #expect(connection.protocolName == "mqtt")
            #expect(connection.clientId == "sensor-1")
            #expect(connection.messagesIn == 5)
            #expect(connection.messagesOut == 2)
            #expect(try await client.call(.get, "/api/v1/connections").text.contains(#""protocol":"mqtt""#))
            #expect(try await client.call(.delete, "/api/v1/connections/\(id)").status == .ok)
            #expect(try await client.call(.delete, "/api/v1/connections/999").status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/connections/abc").status == .badRequest)
        }
        #expect(closed.value)
    }

    @Test func uplinksWithoutAnyAreAnEmptyList() async throws {
        let harness = try ManagementHarness()
        try await harness.test { client in
            let list = try await client.call(.get, "/api/v1/uplinks").decode(UplinkList.self)
            #expect(list.uplinks.isEmpty)
            let flushOne = try await client.call(.post, "/api/v1/uplinks/cloud/flush")
            #expect(flushOne.status == .notFound)
            let flushAll = try await client.call(.post, "/api/v1/uplinks/flush").decode(UplinkActionResult.self)
            #expect(flushAll.uplinks.isEmpty)
        }
    }

    @Test func uplinkStatusAndActions() async throws {
        let status = UplinkStatus(name: "cloud", url: "amqps://cloud.example.com/edge", protocolName: "amqp", state: "disconnected", connected: false, paused: false, lastError: "connection refused", backlogMessages: 42, backlogBytes: 4200)
        let harness = try ManagementHarness(uplinks: FakeUplinks(uplinks: [status]))
        try await harness.test { client in
            let one = try await client.call(.get, "/api/v1/uplinks/cloud")
            #expect(try one.decode(UplinkStatus.self) == status)
            #expect(one.text.contains(#""protocol":"amqp""#))
            for action in ["flush", "pause", "resume"] {
                let result = try await client.call(.post, "/api/v1/uplinks/cloud/\(action)").decode(UplinkActionResult.self)
                #expect(result.uplinks == ["cloud"])
                #expect(result.action == action)
            }
            #expect(try await client.call(.get, "/api/v1/uplinks/other").status == .notFound)
            let metrics = try await client.call(.get, "/metrics", token: nil).text
            #expect(metrics.contains(#"outpost_uplink_backlog_messages{uplink="cloud"} 42"#))
        }
    }
}

/// A flag set from a closure (connection close callbacks are @Sendable).
final class NIOLockedValueBoxBool: @unchecked Sendable {
    // @unchecked: `flag` is only accessed with `lock` held.
    private let lock = NSLock()
    private var flag = false
    func set() { self.lock.withLock { self.flag = true } }
    var value: Bool { self.lock.withLock { self.flag } }
}
