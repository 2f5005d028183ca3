import Atomics
import LMDB

/// When to drop the store's memory-mapped pages from the process (LMDBEnvironment
/// `releaseMappedPages`).
///
/// Reads go through LMDB's map, and every page a read touches stays mapped: paging a backlog
/// in to consumers (and the writer's copy-on-write of the pages a commit changes) would make the
/// whole data file count as the broker's resident memory, although the bytes were copied out
/// and the pages are the kernel's page cache, which it reclaims as it likes. One touched page can
/// map far more than itself: a fault maps the neighbouring pages that are in the page cache
/// (fault-around), and on current kernels the whole large folio the page is part of (measured
/// here: 100 pages touched 512 KiB apart mapped 50 MiB). So callers report estimated bytes of
/// touched pages, and every `lookEvery` of those, at most once per `minimumInterval`, the
/// process's resident file pages are looked at (`/proc/self/statm`); grown by `threshold` since
/// the last release, the map is released. B-tree pages still in use fault back in from the page
/// cache. Pages touched since the last release are released too once the store has been quiet
/// for `quietDelay` (the writer does it), so a burst does not leave its pages mapped until the
/// next one.
final class MappedPageRelease: Sendable {
    /// Growth of the resident file pages (or, where they cannot be read, of the estimate) that
    /// makes a release due. Each release makes the next commits fault their B-tree paths in again
    /// (a whole folio each): at 1 MiB a commit per message released every millisecond or two.
    static let threshold = 4 << 20
    /// Estimated bytes touched between two looks at the resident size (a look reads a small file).
    static let lookEvery = 64 << 10
    /// What one commit maps anew besides its data: mostly the pages it rewrote, copy-on-write,
    /// since the last commit (the root paths of its B-trees stay mapped from one commit to the
    /// next).
    static let perCommit = 16 << 10
    static let minimumInterval: Duration = .milliseconds(2)
    static let quietDelay: Duration = .milliseconds(50)

    private let bytesSinceRelease = ManagedAtomic<Int>(0)
    private let bytesSinceLook = ManagedAtomic<Int>(0)
    private let lastLook = ManagedAtomic<Int64>(0)  // ContinuousClock nanoseconds since `origin`
    private let residentAfterRelease = ManagedAtomic<Int>(0)
    private let origin = ContinuousClock.now

    enum Advice: Equatable {
        case nothing
        /// The first pages touched since the last release: make sure the writer will release
        /// them when the store falls quiet (it may be waiting with nothing to release).
        case noteFirstTouch
        case releaseNow
    }

    /// Counts bytes of pages touched and says what the caller should do (`.releaseNow`: call
    /// `release`).
    func touched(bytes: Int) -> Advice {
        guard bytes > 0 else { return .nothing }
        let sinceRelease = self.bytesSinceRelease.wrappingIncrementThenLoad(by: bytes, ordering: .relaxed)
        let otherwise: Advice = sinceRelease == bytes ? .noteFirstTouch : .nothing
        guard self.bytesSinceLook.wrappingIncrementThenLoad(by: bytes, ordering: .relaxed) >= Self.lookEvery else {
            return otherwise
        }
        let elapsed = ContinuousClock.now - self.origin
        let now = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let last = self.lastLook.load(ordering: .relaxed)
        let interval = Self.minimumInterval.components.attoseconds / 1_000_000_000
        guard now - last >= interval else { return otherwise }
        // One of the callers that get here looks; the others find the time taken.
        guard self.lastLook.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return otherwise }
        self.bytesSinceLook.store(0, ordering: .relaxed)
        let grown = ProcessMemory.current().map { $0.residentShared - self.residentAfterRelease.load(ordering: .relaxed) } ?? sinceRelease
        return grown >= Self.threshold ? .releaseNow : otherwise
    }

    /// Releases the map and notes what stays resident after it.
    func release(_ environment: LMDBEnvironment) {
        self.bytesSinceRelease.store(0, ordering: .relaxed)
        environment.releaseMappedPages()
        self.residentAfterRelease.store(ProcessMemory.current()?.residentShared ?? 0, ordering: .relaxed)
    }

    /// Whether pages were touched since the last release.
    var hasTouchedPages: Bool { self.bytesSinceRelease.load(ordering: .relaxed) > 0 }
}
