import BrokerCore
import Logging
import MQTTCodec
import NIOCore

/// Settings of the MQTT listener.
public struct MQTTServerSettings: Sendable {
    /// Clients may connect without username/password.
    public var allowAnonymous: Bool
    public var users: UserDirectory
    /// The largest packet accepted from a client (announced as Maximum Packet Size in MQTT 5).
    public var maxPacketSize: Int
    /// QoS 1/2 PUBLISHes a client may have unacknowledged (MQTT 5 Receive Maximum we announce).
    public var receiveMaximum: UInt16
    /// Topic aliases a client may use (MQTT 5 Topic Alias Maximum we announce; 0: none).
    public var topicAliasMaximum: UInt16
    /// Cap on the outgoing window per client (its Receive Maximum, at most this).
    public var maximumOutgoingInFlight: Int
    /// Outgoing window for MQTT 3.1.1 clients, which cannot announce one.
    public var version3InFlight: Int
    /// MQTT 5: replaces a client keep alive above this (or 0) and says so in CONNACK. nil: accept any.
    public var serverKeepAlive: UInt16?
    /// A connection that sends no CONNECT within this time is closed.
    public var connectTimeout: TimeAmount
    /// How long a QoS 0 publish waits for a subscription's full window to drain (its consumer
    /// connected and taking messages) before it is published anyway, paged to the store for that
    /// subscription. Meanwhile the publisher goes at its subscribers' pace. Zero: no waiting.
    public var windowWaitLimit: TimeAmount

    public init(
        allowAnonymous: Bool,
        users: UserDirectory,
        maxPacketSize: Int = 16 << 20,
        receiveMaximum: UInt16 = 1024,
        topicAliasMaximum: UInt16 = 64,
        maximumOutgoingInFlight: Int = 256,
        version3InFlight: Int = 256,
        serverKeepAlive: UInt16? = nil,
        connectTimeout: TimeAmount = .seconds(10),
        windowWaitLimit: TimeAmount = .milliseconds(100)
    ) {
        self.allowAnonymous = allowAnonymous
        self.users = users
        self.maxPacketSize = maxPacketSize
        self.receiveMaximum = receiveMaximum
        self.topicAliasMaximum = topicAliasMaximum
        self.maximumOutgoingInFlight = maximumOutgoingInFlight
        self.version3InFlight = version3InFlight
        self.serverKeepAlive = serverKeepAlive
        self.connectTimeout = connectTimeout
        self.windowWaitLimit = windowWaitLimit
    }

    var machineConfiguration: MQTTSessionStateMachine.Configuration {
        MQTTSessionStateMachine.Configuration(
            allowAnonymous: self.allowAnonymous,
            maximumPacketSize: self.maxPacketSize,
            receiveMaximum: self.receiveMaximum,
            topicAliasMaximum: self.topicAliasMaximum,
            maximumOutgoingInFlight: self.maximumOutgoingInFlight,
            version3InFlight: self.version3InFlight,
            serverKeepAlive: self.serverKeepAlive
        )
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
        let registry = MQTTSessionRegistry.shared(for: broker, logger: logger)
        // Sessions and retained messages are read from the store once, off the event loop; the
        // channel starts reading only once this future (the child channel initializer) completes.
        return registry.whenLoaded(on: channel.eventLoop).flatMapThrowing {
            let decoder = MQTTPacketDecoder(maximumPacketSize: settings.maxPacketSize, validatesPayloadFormat: true)
            try channel.pipeline.syncOperations.addHandler(
                MQTTChannelHandler(
                    decoder: decoder,
                    broker: broker,
                    registry: registry,
                    connections: connections,
                    settings: settings,
                    logger: logger
                )
            )
        }
    }
}
