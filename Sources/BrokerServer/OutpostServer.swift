import AMQPEngine
import BrokerCore
import BrokerManagement
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
    /// The management HTTP API (nil when `listeners.management-port` is 0) and its metrics.
    public let management: ManagementServer?
    public let metrics = BrokerMetrics()
    private let readiness = ReadinessFlag()
    /// Store-and-forward uplinks to cloud peers (`uplinks:` in the configuration).
    let uplinks: UplinkSet

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
                logger: logger,
                filterFactory: AMQPSelectorFilter.factory
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
        do {
            self.uplinks = try UplinkSet(configuration: configuration, broker: self.broker, group: self.eventLoopGroup, logger: logger)
        } catch {
            for listener in self.listeners { try? listener.channel.close().wait() }
            self.store.close()
            try? self.threadPool.syncShutdownGracefully()
            try? self.eventLoopGroup.syncShutdownGracefully()
            throw error
        }
        do {
            // The management token: created at first start, mode 0600, read by the CLI.
            let token = try ManagementToken.loadOrCreate(inDataDirectory: configuration.dataDirectory)
            if configuration.listeners.managementPort != 0 {
                let readiness = self.readiness
                let api = ManagementAPI(
                    broker: self.broker,
                    connections: self.connections,
                    uplinks: self.uplinks,
                    metrics: self.metrics,
                    token: token,
                    threadPool: self.threadPool,
                    readiness: { readiness.isReady },
                    logger: logger
                )
                self.management = ManagementServer(
                    api: api,
                    host: configuration.listeners.bind,
                    port: configuration.listeners.managementPort,
                    eventLoopGroup: self.eventLoopGroup,
                    logger: logger
                )
            } else {
                self.management = nil
            }
        } catch {
            for listener in self.listeners { try? listener.channel.close().wait() }
            self.store.close()
            try? self.threadPool.syncShutdownGracefully()
            try? self.eventLoopGroup.syncShutdownGracefully()
            throw ListenerError(description: "\(error)")
        }
        self.openDuration = ContinuousClock.now - started
    }

    /// The bound management port, once `run` has started it (nil when disabled).
    public func managementPort() async throws -> Int? {
        guard let management = self.management else { return nil }
        return try await management.waitUntilRunning()
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
        // The management listener runs beside the housekeeping loop and stops with it
        // (graceful shutdown reaches its nested service group).
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let management = self.management {
                group.addTask { try await management.run() }
                do {
                    _ = try await management.waitUntilRunning()
                } catch {
                    self.logger.error("\(error)")
                    group.cancelAll()
                    self.shutdown()
                    throw error
                }
            }
            try await self.runHousekeeping()
            self.readiness.set(false)
            try await group.waitForAll()
        }
        self.shutdown()
    }

    private func runHousekeeping() async throws {
        // Forwarding queues exist (and collect messages) from here on, connected or not.
        try self.uplinks.start()
        self.readiness.set(true)
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
        let heapTrimmer = HeapTrimmer(logger: self.logger)
        // Housekeeping until graceful shutdown cancels the sleep.
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            self.broker.expireMessages()
            heapTrimmer.tick()
        }
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
        self.uplinks.stop()
        try? self.eventLoopGroup.syncShutdownGracefully()
        self.store.close()
        try? self.threadPool.syncShutdownGracefully()
        self.logger.info("outpost stopped")
    }
}
