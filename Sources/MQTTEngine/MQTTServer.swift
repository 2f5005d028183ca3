import BrokerCore
import Logging
import NIOCore

/// Settings of the MQTT listener.
public struct MQTTServerSettings: Sendable {
    /// Clients may connect without username/password.
    public var allowAnonymous: Bool
    public var users: UserDirectory
    public var maxPacketSize: Int

    public init(allowAnonymous: Bool, users: UserDirectory, maxPacketSize: Int = 16 << 20) {
        self.allowAnonymous = allowAnonymous
        self.users = users
        self.maxPacketSize = maxPacketSize
    }
}

/// Sets up the pipeline of an accepted MQTT connection.
public enum MQTTServer {
    public static func configure(
        channel: any Channel,
        broker: Broker,
        connections: ConnectionRegistry,
        settings: MQTTServerSettings,
        logger: Logger
    ) -> EventLoopFuture<Void> {
        // Placeholder until the MQTT engine lands: refuse politely by closing.
        channel.close()
    }
}
