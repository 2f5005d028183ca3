/// Wall-clock time for expiry and message timestamps, injected so tests can move it.
public protocol BrokerClock: Sendable {
    /// Milliseconds since 1970.
    func now() -> Int64
}

/// The system's real-time clock.
public struct SystemClock: BrokerClock {
    public init() {}

    public func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
