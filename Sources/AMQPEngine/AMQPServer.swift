import BrokerCore
import Logging
import NIOCore

/// Settings of the AMQP listener.
public struct AMQPServerSettings: Sendable {
    /// Clients may connect without SASL or with SASL ANONYMOUS.
    public var allowAnonymous: Bool
    public var users: UserDirectory
    /// This broker's container id in `open`.
    public var containerID: String
    public var maxFrameSize: UInt32
    /// Our idle timeout announced in `open`; a peer silent for longer is closed.
    public var idleTimeout: TimeAmount

    public init(
        allowAnonymous: Bool,
        users: UserDirectory,
        containerID: String,
        maxFrameSize: UInt32 = 1 << 20,
        idleTimeout: TimeAmount = .seconds(60)
    ) {
        self.allowAnonymous = allowAnonymous
        self.users = users
        self.containerID = containerID
        self.maxFrameSize = maxFrameSize
        self.idleTimeout = idleTimeout
    }
}

/// Sets up the pipeline of an accepted AMQP connection.
public enum AMQPServer {
    public static func configure(
        channel: any Channel,
        broker: Broker,
        connections: ConnectionRegistry,
        settings: AMQPServerSettings,
        logger: Logger
    ) -> EventLoopFuture<Void> {
        // Placeholder until the AMQP engine lands: refuse politely by closing.
        channel.close()
    }
}
