/// When to give the heap's free pages back to the system (`HeapTrimmer`).
///
/// glibc returns the top of a heap on its own, not the free chunks between live ones: after a
/// burst the process keeps what the burst used. Measured: QoS 0 4→4, four runs, then quiet —
/// 20.6 MiB of anonymous memory resident, 7.1 MiB of it in use; `malloc_trim` brought it to
/// 7.4 MiB. So: every `interval`, look at the resident anonymous memory; more than `slack` above
/// what it was at start, trim. A trim walks the heaps under their locks; one that gives back
/// little (the memory is in use: many connections, full windows) doubles the wait, up to
/// `longestInterval`, so a broker whose memory is simply busy does not walk its heaps every second.
struct HeapTrimPolicy: Equatable {
    static let slack = 4 << 20
    /// A trim that gives back less than this was not worth its walk.
    static let worthwhile = 1 << 20
    static let shortestInterval: Duration = .seconds(1)
    static let longestInterval: Duration = .seconds(64)

    /// Resident anonymous bytes at start.
    let baseline: Int
    /// How long to wait before the next look.
    private(set) var interval: Duration = Self.shortestInterval

    init(baseline: Int) {
        self.baseline = baseline
    }

    enum Decision: Equatable {
        case trim
        case leave
    }

    /// A look at the resident anonymous memory.
    mutating func looked(residentAnonymous: Int) -> Decision {
        guard residentAnonymous > self.baseline + Self.slack else {
            self.interval = Self.shortestInterval  // catch the next burst soon
            return .leave
        }
        return .trim
    }

    /// After a trim: what was resident before and after it.
    mutating func trimmed(before: Int, after: Int) {
        if before - after >= Self.worthwhile {
            self.interval = Self.shortestInterval
        } else {
            self.interval = min(self.interval * 2, Self.longestInterval)
        }
    }
}
