import Foundation

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
/// Tests use this instead of sleeping for a fixed time.
public func eventually(
    timeout: Duration = .seconds(10),
    pollEvery interval: Duration = .milliseconds(2),
    _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds))
    }
    return try condition()
}
