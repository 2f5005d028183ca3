import BrokerCore
import BrokerManagement
import BrokerUplink
import Logging
import NIOCore

/// The daemon's uplinks, as management sees them (`UplinkControl`).
final class UplinkSet: UplinkControl {
    let uplinks: [Uplink]

    /// Builds the configured uplinks: AMQP 1.0 or MQTT 3.1.1 transports by URL scheme.
    init(configuration: OutpostConfiguration, broker: Broker, group: any EventLoopGroup, logger: Logger) throws {
        var uplinks: [Uplink] = []
        for (index, entry) in configuration.uplinks.enumerated() {
            let settings = try entry.settings(nodeID: configuration.nodeID, index: index)
            let transport: any UplinkTransport
            switch settings.scheme {
            case .mqtt:
                transport = MQTTUplinkTransport(clock: broker.clock)
            case .amqp:
                transport = AMQPUplinkTransport(clock: broker.clock)
            }
            uplinks.append(Uplink(settings: settings, broker: broker, transport: transport, eventLoop: group.next(), logger: logger))
        }
        self.uplinks = uplinks
    }

    func start() throws {
        for uplink in self.uplinks { try uplink.start() }
    }

    func stop() {
        for uplink in self.uplinks { try? uplink.stop().wait() }
    }

    func status() async -> [BrokerManagement.UplinkStatus] {
        var result: [BrokerManagement.UplinkStatus] = []
        for uplink in self.uplinks {
            guard let status = try? await uplink.status().get() else { continue }
            result.append(
                BrokerManagement.UplinkStatus(
                    name: status.name,
                    url: status.url,
                    protocolName: uplink.settings.scheme.rawValue,
                    state: status.state,
                    connected: status.connected,
                    paused: status.state == "paused",
                    lastError: status.lastError,
                    connectedSince: status.connectedSince,
                    backlogMessages: status.backlogMessages,
                    backlogBytes: status.backlogBytes,
                    oldestMessageAgeSeconds: status.oldestMessageAge.map { Double($0) / 1000 },
                    sendRate: status.uploadRate,
                    sentTotal: status.forwardedTotal,
                    rejectedTotal: status.rejectedTotal,
                    inFlight: status.inFlight,
                    estimatedDrainSeconds: status.estimatedDrainSeconds,
                    receivedTotal: status.receivedTotal,
                    lastReceiveError: status.lastReceiveError
                )
            )
        }
        return result
    }

    func flush(_ name: String) async -> Bool { self.with(name) { $0.flush() } }
    func pause(_ name: String) async -> Bool { self.with(name) { $0.pause() } }
    func resume(_ name: String) async -> Bool { self.with(name) { $0.resume() } }

    private func with(_ name: String, _ body: (Uplink) -> Void) -> Bool {
        guard let uplink = self.uplinks.first(where: { $0.settings.name == name }) else { return false }
        body(uplink)
        return true
    }
}
