/// A byte-rate limiter for metered links: `rate` bytes per second on average with bursts
/// up to `capacity` bytes. A message larger than the capacity is let through once the
/// bucket is full, so nothing is held back forever.
public struct TokenBucket: Sendable, Equatable {
    public let rate: Double
    public let capacity: Double
    private var tokens: Double
    private var lastRefill: Int64

    /// `rate` bytes/s; `now` in ms.
    public init(bytesPerSecond rate: Int, now: Int64) {
        self.rate = Double(max(rate, 1))
        self.capacity = max(self.rate, 64 * 1024)
        self.tokens = self.capacity
        self.lastRefill = now
    }

    private mutating func refill(now: Int64) {
        let elapsed = Double(max(0, now - self.lastRefill)) / 1000
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.lastRefill = now
    }

    /// Takes `bytes` if available and returns 0, else returns the ms to wait.
    public mutating func take(_ bytes: Int, now: Int64) -> Int64 {
        self.refill(now: now)
        let needed = min(Double(bytes), self.capacity)
        if self.tokens >= needed {
            self.tokens -= Double(bytes)
            return 0
        }
        return Int64(((needed - self.tokens) / self.rate * 1000).rounded(.up))
    }
}
