import BrokerStore
import Logging

/// Gives free heap pages back to the system after bursts (see `HeapTrimPolicy`); the
/// housekeeping loop calls `tick` about once a second. Does nothing where there is no glibc
/// `malloc_trim` or no `/proc/self/statm`.
///
/// Only the housekeeping task calls `tick`, one call at a time.
final class HeapTrimmer {
    private let mallocTrim = GlibcMalloc.trim
    private var policy: HeapTrimPolicy?
    private var nextLook = ContinuousClock.now
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        self.policy = ProcessMemory.current().map { HeapTrimPolicy(baseline: $0.residentAnonymous) }
    }

    func tick() {
        guard let mallocTrim = self.mallocTrim, var policy = self.policy else { return }
        let now = ContinuousClock.now
        guard now >= self.nextLook, let before = ProcessMemory.current()?.residentAnonymous else { return }
        if policy.looked(residentAnonymous: before) == .trim {
            _ = mallocTrim(0)
            let after = ProcessMemory.current()?.residentAnonymous ?? before
            policy.trimmed(before: before, after: after)
            self.logger.debug(
                "heap trimmed",
                metadata: ["outpost.heap.before": "\(before)", "outpost.heap.after": "\(after)", "outpost.heap.took": "\(ContinuousClock.now - now)"]
            )
        }
        self.policy = policy
        self.nextLook = now + policy.interval
    }
}
