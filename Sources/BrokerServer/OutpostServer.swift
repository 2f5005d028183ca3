import BrokerCore
import BrokerStore
import Logging
import NIOPosix
import ServiceLifecycle

/// The daemon: opens the store and the broker, runs periodic housekeeping, and on
/// graceful shutdown lets in-flight commits complete before closing the store.
/// Protocol listeners (AMQP, MQTT, management) plug in here as they are built.
public final class OutpostServer: Service, Sendable {
    public let configuration: OutpostConfiguration
    public let store: MessageStore
    public let broker: Broker
    private let threadPool: NIOThreadPool
    private let logger: Logger

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
        let records = self.store.queues.values
        logger.info(
            "outpost ready",
            metadata: [
                "outpost.data-dir": "\(configuration.dataDirectory)",
                "outpost.queues": "\(records.count)",
                "outpost.messages": "\(records.reduce(0) { $0 + $1.messageCount })",
                "outpost.open-time": "\(ContinuousClock.now - started)",
            ]
        )
    }

    public func run() async throws {
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
        self.store.close()
        try? self.threadPool.syncShutdownGracefully()
        self.logger.info("outpost stopped")
    }
}
