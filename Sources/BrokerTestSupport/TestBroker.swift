import BrokerCore
import BrokerStore
import Foundation
import NIOCore
import NIOPosix

/// A store and broker opened in a fresh temporary directory; reopen simulates a restart.
public final class TestBroker {
    public let directory: String
    public let clock: MockClock
    public private(set) var store: MessageStore
    public private(set) var broker: Broker
    private let threadPool: NIOThreadPool
    private let brokerConfiguration: BrokerConfiguration
    private let storeConfiguration: StoreConfiguration
    private let filterFactory: MessageFilterFactory?

    public init(
        configuration: BrokerConfiguration = BrokerConfiguration(),
        maxSize: Int = 64 << 20,
        initialMapSize: Int = 4 << 20,
        intakeLimit: Int = StoreConfiguration.defaultIntakeLimit,
        filterFactory: MessageFilterFactory? = nil
    ) throws {
        self.filterFactory = filterFactory
        self.directory = try TemporaryDirectory(prefix: "outpost-broker").path
        self.clock = MockClock()
        self.brokerConfiguration = configuration
        self.storeConfiguration = StoreConfiguration(
            directory: self.directory,
            maxSize: maxSize,
            initialMapSize: initialMapSize,
            intakeLimit: intakeLimit
        )
        self.threadPool = NIOThreadPool(numberOfThreads: 1)
        self.threadPool.start()
        self.store = try MessageStore(configuration: self.storeConfiguration)
        self.broker = try Broker(store: self.store, configuration: configuration, threadPool: self.threadPool, clock: self.clock, filterFactory: filterFactory)
    }

    /// Closes the store and opens it again with a new broker, as a restart does.
    public func reopen() throws {
        self.store.close()
        self.store = try MessageStore(configuration: self.storeConfiguration)
        self.broker = try Broker(store: self.store, configuration: self.brokerConfiguration, threadPool: self.threadPool, clock: self.clock, filterFactory: self.filterFactory)
    }

    /// Publishes and waits until the broker has accepted (durably, for durable messages).
    public func publish(
        _ address: String,
        _ text: String,
        priority: UInt8? = nil,
        durable: Bool = true,
        expiration: Int64? = nil,
        autoCreateAs: AddressRecord.RoutingTypes = .anycast,
        publisherConnection: UInt64? = nil
    ) throws {
        let message = IncomingMessage(
            address: address,
            priority: priority,
            isDurable: durable,
            expiration: expiration,
            body: ByteBuffer(string: text),
            publisherConnection: publisherConnection
        )
        let result = BlockingResult<Result<Void, BrokerError>>()
        self.broker.publish(message, autoCreateAs: autoCreateAs) { result.set($0) }
        try result.wait().get()
    }

    deinit {
        self.store.close()
        try? self.threadPool.syncShutdownGracefully()
        try? FileManager.default.removeItem(atPath: self.directory)
    }
}

/// A value set once from another thread and waited for.
public final class BlockingResult<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only accessed with `condition` held.
    private let condition = NSCondition()
    private var value: Value?

    public init() {}

    public func set(_ value: Value) {
        self.condition.lock()
        self.value = value
        self.condition.broadcast()
        self.condition.unlock()
    }

    public func wait(timeout: TimeInterval = 10) throws -> Value {
        self.condition.lock()
        defer { self.condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while self.value == nil {
            if !self.condition.wait(until: deadline) { break }
        }
        guard let value = self.value else { throw CocoaError(.executableLoad) }
        return value
    }
}

extension Delivery {
    /// The body as text (tests publish text).
    public var text: String { String(buffer: self.message.body) }
}
