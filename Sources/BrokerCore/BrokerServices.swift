import BrokerStore
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// What every queue of a broker shares: the store, the page-in thread pool, the clock,
/// the configuration and a way back to the broker for dead-lettering and expiry.
final class BrokerServices: Sendable {
    let store: MessageStore
    let threadPool: NIOThreadPool
    let clock: any BrokerClock
    let configuration: BrokerConfiguration
    let logger: Logger
    /// Rebuilds a subscription's filter from its stored selector text (nil: not understood).
    let filterFactory: MessageFilterFactory?
    private let routerBox = NIOLockedValueBox<WeakRouter>(WeakRouter())

    init(
        store: MessageStore,
        threadPool: NIOThreadPool,
        clock: any BrokerClock,
        configuration: BrokerConfiguration,
        logger: Logger,
        filterFactory: MessageFilterFactory?
    ) {
        self.filterFactory = filterFactory
        self.store = store
        self.threadPool = threadPool
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
    }

    /// The broker, held weakly so queues do not keep it alive.
    var router: Broker? {
        get { self.routerBox.withLockedValue { $0.broker } }
        set { self.routerBox.withLockedValue { $0.broker = newValue } }
    }

    private struct WeakRouter {
        weak var broker: Broker?
    }
}
