import Atomics

/// When to drop the store's memory-mapped pages from the process (LMDBEnvironment
/// `releaseMappedPages`).
///
/// Reads go through LMDB's map, and every page a read touches stays mapped: paging a backlog
/// in to consumers (and the writer's copy-on-write of the pages it removes entries from) would
/// make the whole data file count as the broker's resident memory, although the bytes were
/// copied out and the pages are the kernel's page cache, which it reclaims as it likes. So
/// after about `threshold` bytes of touched pages the map is released; B-tree pages still in
/// use fault back in from the page cache at the cost of a minor fault.
final class MappedPageRelease: Sendable {
    static let threshold = 4 << 20

    private let bytesSinceRelease = ManagedAtomic<Int>(0)

    /// Counts bytes of pages touched; true when the caller should release the map now.
    func touched(bytes: Int) -> Bool {
        guard bytes > 0 else { return false }
        let total = self.bytesSinceRelease.wrappingIncrementThenLoad(by: bytes, ordering: .relaxed)
        guard total >= Self.threshold else { return false }
        // One of the readers that cross the threshold releases; the others find it reset.
        return self.bytesSinceRelease.compareExchange(expected: total, desired: 0, ordering: .relaxed).exchanged
    }
}
