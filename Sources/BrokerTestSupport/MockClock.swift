import BrokerCore
import NIOConcurrencyHelpers

/// A clock tests move by hand (expiry, timestamps).
public final class MockClock: BrokerClock {
    private let milliseconds: NIOLockedValueBox<Int64>

    public init(now: Int64 = 1_700_000_000_000) {
        self.milliseconds = NIOLockedValueBox(now)
    }

    public func now() -> Int64 { self.milliseconds.withLockedValue { $0 } }

    public func advance(by milliseconds: Int64) {
        self.milliseconds.withLockedValue { $0 += milliseconds }
    }
}
