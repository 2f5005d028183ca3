import AMQPEngine
import BrokerCore
import BrokerStore
import Logging
import MQTTEngine
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The daemon: opens the store and the broker, runs periodic housekeeping, and on
/// graceful shutdown lets in-flight commits complete before closing the store.
/// Protocol listeners (AMQP, MQTT, management) plug in here as they are built.
public final class OutpostServer: Service, Sendable {
    public let configuration: OutpostConfiguration
    public let store: MessageStore
    public let broker: Broker
    public let connections = ConnectionRegistry()
    public let users: UserDirectory
    private let threadPool: NIOThreadPool
    private let eventLoopGroup: MultiThreadedEventLoopGroup
    private let listeners: [ProtocolListener]
    private let logger: Logger
    private let openDuration: Duration

    /// The bound ports by protocol ("amqp", "mqtt"); useful when a port 0 was configured... for tests.
    public var boundPorts: [String: Int] {
        Dictionary(uniqueKeysWithValues: self.listeners.compactMap { listener in listener.port.map { (listener.name, $0) } })
    }

    /// Opens everything. Throws `StoreError` (e.g. `.locked` when another process has
    /// the data directory) before anything is started.
    public init(configuration: OutpostConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let started = ContinuousClock.now
        self.store = try MessageStore(configuration: configuration.storeConfiguration, logger: logger)
        self.threadPool = NIOThreadPool(numberOfThreads: 2)
        self.threadPool.start()
        do {
            self.broker = try Broker(
                store: self.store,
                configuration: configuration.brokerConfiguration,
                threadPool: self.threadPool,
                logger: logger
            )
        } catch {
            self.store.close()
            try? self.threadPool.syncShutdownGracefully()
            throw error
        }
        do {
            self.users = UserDirectory(users: try UsersFile(path: configuration.usersFilePath).users)
        } catch {
            self.store.close()
            try? self.threadPool.syncShutdownGracefully()
            throw error
        }
        self.eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        do {
            self.listeners = try Self.bindListeners(
                configuration: configuration,
                broker: self.broker,
                connections: self.connections,
                users: self.users,
                group: self.eventLoopGroup,
                logger: logger
            )
        } catch {
            self.store.close()
            try? self.threadPool.syncShutdownGracefully()
            try? self.eventLoopGroup.syncShutdownGracefully()
            throw error
        }
        self.openDuration = ContinuousClock.now - started
    }

    private static func bindListeners(
        configuration: OutpostConfiguration,
        broker: Broker,
        connections: ConnectionRegistry,
        users: UserDirectory,
        group: any EventLoopGroup,
        logger: Logger
    ) throws -> [ProtocolListener] {
        var listeners: [ProtocolListener] = []
        let host = configuration.listeners.bind
        let anonymous = configuration.listeners.anonymousAllowed
        do {
            if configuration.listeners.amqpPort != 0 {
                let settings = AMQPServerSettings(allowAnonymous: anonymous, users: users, containerID: configuration.nodeID)
                listeners.append(
                    try ProtocolListener.bind(name: "amqp", host: host, port: configuration.listeners.amqpPort, group: group, logger: logger) { channel in
                        AMQPServer.configure(channel: channel, broker: broker, connections: connections, settings: settings, logger: logger)
                    }
                )
            }
            if configuration.listeners.mqttPort != 0 {
                let settings = MQTTServerSettings(allowAnonymous: anonymous, users: users)
                listeners.append(
                    try ProtocolListener.bind(name: "mqtt", host: host, port: configuration.listeners.mqttPort, group: group, logger: logger) { channel in
                        MQTTServer.configure(channel: channel, broker: broker, connections: connections, settings: settings, logger: logger)
                    }
                )
            }
        } catch {
            for listener in listeners { try? listener.channel.close().wait() }
            throw error
        }
        return listeners
    }

    public func run() async throws {
        // Logged here, not in init: signal handlers are installed once the group runs.
        let records = self.store.queues.values
        self.logger.info(
            "outpost ready",
            metadata: [
                "outpost.data-dir": "\(self.configuration.dataDirectory)",
                "outpost.queues": "\(records.count)",
                "outpost.messages": "\(records.reduce(0) { $0 + $1.messageCount })",
                "outpost.open-time": "\(self.openDuration)",
            ]
        )
        let interval = Duration.milliseconds(max(10, self.configuration.broker.expiryScanInterval.milliseconds))
        // Housekeeping until graceful shutdown cancels the sleep.
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            self.broker.expireMessages()
        }
        self.shutdown()
    }

    /// Commits what is pending and closes the store. Idempotent.
    public func shutdown() {
        self.logger.info("outpost stopping: completing in-flight commits")
        for listener in self.listeners {
            try? listener.channel.close().wait()
        }
        for connection in self.connections.all {
            self.connections.close(connection.id)
        }
        try? self.eventLoopGroup.syncShutdownGracefully()
        self.store.close()
        try? self.threadPool.syncShutdownGracefully()
        self.logger.info("outpost stopped")
    }
}
