/// Reconnect delays with decorrelated jitter: each delay is random between the initial
/// delay and three times the previous one, capped at the maximum. Spreads reconnects of
/// many edge nodes after a cloud outage instead of synchronising them.
public struct ReconnectBackoff: Sendable, Equatable {
    public let initialDelay: Duration
    public let maximumDelay: Duration
    private(set) var previousDelay: Duration?

    public init(initialDelay: Duration, maximumDelay: Duration) {
        self.initialDelay = initialDelay
        self.maximumDelay = max(maximumDelay, initialDelay)
    }

    /// The next delay; `random` returns a value in 0..<1 (injected for tests).
    public mutating func nextDelay(random: () -> Double) -> Duration {
        let lower = Self.milliseconds(self.initialDelay)
        let upper = max(lower, Self.milliseconds(self.previousDelay ?? self.initialDelay) * 3)
        let chosen = lower + (upper - lower) * min(max(random(), 0), 1)
        let delay = min(Duration.milliseconds(Int64(chosen.rounded())), self.maximumDelay)
        self.previousDelay = delay
        return delay
    }

    /// After a successful connection the next failure starts from the initial delay again.
    public mutating func reset() {
        self.previousDelay = nil
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
