import Atomics

/// When to drop the store's memory-mapped pages from the process (LMDBEnvironment
/// `releaseMappedPages`).
///
/// Reads go through LMDB's map, and every page a read touches stays mapped: paging a backlog
/// in to consumers (and the writer's copy-on-write of the pages a commit changes) would make the
/// whole data file count as the broker's resident memory, although the bytes were copied out
/// and the pages are the kernel's page cache, which it reclaims as it likes. Each fault also
/// maps the neighbouring pages that are in the page cache (the kernel's fault-around, 64 KiB),
/// which freshly written pages next to the append point always are. So after about `threshold`
/// bytes of touched pages (estimated by the callers) the map is released, at most once per
/// `minimumInterval`; B-tree pages still in use fault back in from the page cache. Pages touched
/// since the last release are released too once the store has been quiet for `quietDelay`
/// (the writer does it), so a burst does not leave its pages mapped until the next one.
final class MappedPageRelease: Sendable {
    static let threshold = 1 << 20
    /// What one commit maps anew besides its data: mostly the pages it rewrote, copy-on-write,
    /// since the last commit (the root paths of its B-trees stay mapped from one commit to the
    /// next). A commit per message at 2,000 msgs/s released the map 200 times a second with
    /// 256 KiB here, and each release makes the next commits fault their paths in again.
    static let perCommit = 16 << 10
    static let minimumInterval: Duration = .milliseconds(5)
    static let quietDelay: Duration = .milliseconds(50)

    private let bytesSinceRelease = ManagedAtomic<Int>(0)
    private let lastRelease = ManagedAtomic<Int64>(0)  // ContinuousClock nanoseconds since `origin`
    private let origin = ContinuousClock.now

    enum Advice: Equatable {
        case nothing
        /// The first pages touched since the last release: make sure the writer will release
        /// them when the store falls quiet (it may be waiting with nothing to release).
        case noteFirstTouch
        case releaseNow
    }

    /// Counts bytes of pages touched and says what the caller should do.
    func touched(bytes: Int) -> Advice {
        guard bytes > 0 else { return .nothing }
        let total = self.bytesSinceRelease.wrappingIncrementThenLoad(by: bytes, ordering: .relaxed)
        let otherwise: Advice = total == bytes ? .noteFirstTouch : .nothing
        guard total >= Self.threshold else { return otherwise }
        let elapsed = ContinuousClock.now - self.origin
        let now = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let last = self.lastRelease.load(ordering: .relaxed)
        let interval = Self.minimumInterval.components.attoseconds / 1_000_000_000
        guard now - last >= interval else { return otherwise }
        // One of the callers that get here releases; the others find the time taken.
        guard self.lastRelease.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return otherwise }
        self.bytesSinceRelease.store(0, ordering: .relaxed)
        return .releaseNow
    }

    /// Whether pages were touched since the last release.
    var hasTouchedPages: Bool { self.bytesSinceRelease.load(ordering: .relaxed) > 0 }

    /// Forgets the touched pages; true when there were any, and the caller should release now.
    func takeTouchedPages() -> Bool {
        self.bytesSinceRelease.exchange(0, ordering: .relaxed) > 0
    }
}
