import BrokerCore
import BrokerStore
import BrokerTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import BrokerUplink

/// Store-and-forward to a real mosquitto (Debian's), started and stopped by the test.
@Suite("Uplink to mosquitto", .serialized)
struct MQTTUplinkTests {
    func startMosquitto(port: Int, directory: String) throws -> PeerProcess {
        let configuration = directory + "/mosquitto.conf"
        try """
            listener \(port) 127.0.0.1
            allow_anonymous true
            max_queued_messages 0
            persistence false
            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let peer = try PeerProcess("/usr/sbin/mosquitto", ["-c", configuration])
        #expect(eventually(timeout: .seconds(10)) { PeerProcess.isListening(port: port) })
        return peer
    }

    /// A mosquitto_sub that has its subscription (its debug output shows the SUBACK).
    func subscribe(port: Int, topic: String, count: Int? = nil) throws -> PeerProcess {
        var arguments = ["-d", "-p", "\(port)", "-t", topic, "-q", "1", "-v"]
        if let count { arguments += ["-C", "\(count)"] }
        // Line-buffered: mosquitto_sub's stdout is a pipe here.
        let subscriber = try PeerProcess("stdbuf", ["-oL", "mosquitto_sub"] + arguments)
        #expect(subscriber.waitForOutput(containing: "received SUBACK"), "mosquitto_sub output: \(subscriber.output)")
        return subscriber
    }

    /// The payloads mosquitto_sub printed (`topic payload` lines, debug lines left out).
    func payloads(_ subscriber: PeerProcess) -> [String] {
        subscriber.lines.filter { !$0.hasPrefix("Client ") && !$0.hasPrefix("Subscribed") }.map { String($0.split(separator: " ").last ?? "") }
    }

    // Needs Debian's mosquitto, which `make test-deps` installs; missing, the test fails.
    @Test
    func backlogMadeWhileThePeerIsDownArrivesInPriorityOrderAndIsDeletedLocally() throws {
        let harness = try TestBroker()
        let directory = try TemporaryDirectory(prefix: "outpost-mosquitto")
        defer { directory.remove() }
        let port = PeerProcess.freePort()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let settings = try UplinkSettings(
            name: "cloud",
            url: "mqtt://127.0.0.1:\(port)",
            forward: ["telemetry/#"],
            remoteAddress: "edge/{node-id}/{address}",
            window: 8,
            reconnectInitialDelay: .milliseconds(50),
            reconnectMaxDelay: .milliseconds(200),
            nodeID: "edge-17"
        )
        let uplink = Uplink(settings: settings, broker: harness.broker, transport: MQTTUplinkTransport(clock: harness.clock), eventLoop: group.next(), logger: Logger(label: "test"))
        try uplink.start()

        // The link is down: produce a backlog with mixed priorities.
        let count = 60
        for index in 0..<count {
            try harness.publish("telemetry/line-\(index % 3)", "m\(index)", priority: index % 10 == 0 ? 9 : 4, autoCreateAs: .multicast)
        }
        let forwarding = try #require(harness.broker.queue(named: "$uplink.cloud"))
        #expect(forwarding.statistics.messageCount == count)
        let waiting = try uplink.status().wait()
        #expect(!waiting.connected)
        #expect(waiting.backlogMessages == count)

        // The peer and a subscriber come up: everything arrives, high priority first. The
        // uplink is paused meanwhile, or it could deliver before the subscriber exists.
        uplink.pause()
        #expect(eventually { (try? uplink.status().wait().state) == "paused" })
        let peer = try self.startMosquitto(port: port, directory: directory.path)
        defer { peer.stop() }
        let subscriber = try self.subscribe(port: port, topic: "edge/edge-17/telemetry/#", count: count)
        defer { subscriber.stop() }
        uplink.resume()
        #expect(subscriber.waitForExit(timeout: .seconds(30)) == 0, "mosquitto_sub output: \(subscriber.output)")
        let received = self.payloads(subscriber)
        let high = (0..<count).filter { $0 % 10 == 0 }.map { "m\($0)" }
        let normal = (0..<count).filter { $0 % 10 != 0 }.map { "m\($0)" }
        #expect(received == high + normal)
        #expect(subscriber.lines.contains { $0.hasPrefix("edge/edge-17/telemetry/line-0 m0") })
        // Local copies go once the peer acknowledged them.
        #expect(eventually { forwarding.statistics.messageCount == 0 })
        let status = try uplink.status().wait()
        #expect(status.connected)
        #expect(status.forwardedTotal == count)
        try uplink.stop().wait()
    }

    @Test
    func aPeerRestartLosesNothing() throws {
        let harness = try TestBroker()
        let directory = try TemporaryDirectory(prefix: "outpost-mosquitto")
        defer { directory.remove() }
        let port = PeerProcess.freePort()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let settings = try UplinkSettings(
            name: "cloud",
            url: "mqtt://127.0.0.1:\(port)",
            forward: ["t/#"],
            window: 4,
            reconnectInitialDelay: .milliseconds(50),
            reconnectMaxDelay: .milliseconds(200),
            nodeID: "edge"
        )
        let uplink = Uplink(settings: settings, broker: harness.broker, transport: MQTTUplinkTransport(clock: harness.clock), eventLoop: group.next(), logger: Logger(label: "test"))
        try uplink.start()
        var peer = try self.startMosquitto(port: port, directory: directory.path)
        var subscriber = try self.subscribe(port: port, topic: "t/#")
        #expect(eventually { (try? uplink.status().wait().connected) == true })
        for index in 0..<20 { try harness.publish("t/a", "first-\(index)", autoCreateAs: .multicast) }
        #expect(eventually { self.payloads(subscriber).count == 20 })
        // The peer goes away; messages wait locally.
        subscriber.stop()
        peer.stop()
        for index in 0..<20 { try harness.publish("t/a", "second-\(index)", autoCreateAs: .multicast) }
        let forwarding = try #require(harness.broker.queue(named: "$uplink.cloud"))
        #expect(eventually { forwarding.statistics.messageCount == 20 })
        #expect(eventually { !PeerProcess.isListening(port: port) })
        uplink.pause()
        #expect(eventually { (try? uplink.status().wait().state) == "paused" })
        peer = try self.startMosquitto(port: port, directory: directory.path)
        defer { peer.stop() }
        subscriber = try self.subscribe(port: port, topic: "t/#", count: 20)
        defer { subscriber.stop() }
        uplink.resume()
        #expect(subscriber.waitForExit(timeout: .seconds(30)) == 0, "mosquitto_sub output: \(subscriber.output)\nmosquitto: \(peer.output)")
        #expect(self.payloads(subscriber) == (0..<20).map { "second-\($0)" })
        #expect(eventually { forwarding.statistics.messageCount == 0 })
        try uplink.stop().wait()
    }
}
