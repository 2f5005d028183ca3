import BrokerCore
import NIOConcurrencyHelpers

/// A consumer delegate that records what it is given, for assertions.
public final class RecordingConsumer: ConsumerDelegate {
    private let received = NIOLockedValueBox<[Delivery]>([])
    private let drainReports = NIOLockedValueBox<[Int]>([])

    public init() {}

    public func deliver(_ deliveries: [Delivery]) {
        self.received.withLockedValue { $0.append(contentsOf: deliveries) }
    }

    public func drained(unusedCredit: Int) {
        self.drainReports.withLockedValue { $0.append(unusedCredit) }
    }

    /// The unused credit of each drain, in order.
    public var drains: [Int] { self.drainReports.withLockedValue { $0 } }

    public var deliveries: [Delivery] { self.received.withLockedValue { $0 } }

    /// Removes and returns everything recorded so far.
    public func take() -> [Delivery] {
        self.received.withLockedValue { current in
            defer { current.removeAll() }
            return current
        }
    }

    /// Waits until at least `count` deliveries were recorded.
    public func waitFor(_ count: Int, timeout: Duration = .seconds(10)) -> Bool {
        eventually(timeout: timeout) { self.deliveries.count >= count }
    }
}
