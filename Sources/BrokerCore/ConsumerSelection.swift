import BrokerStore

/// How far a consumer with a filter has looked through its queue, so that each entry is tested
/// against its filter about once, however long the queue and however many events arrive.
///
/// A queue holds a window of ready entries in memory and the rest on disk. The filter is tested
/// against the window as the queue dispatches (`readyTestedThrough`), and against the disk beyond
/// the window by reading it page by page (`disk`), so a consumer whose messages sit behind many
/// it does not want still gets them. New arrivals that stay on disk are tested as they arrive.
struct ConsumerSelection {
    /// Where the consumer stands with the entries on disk beyond the queue's window.
    enum DiskScan {
        /// Every entry beyond the window was tested: it did not match, or it was taken.
        case caughtUp
        /// Entries after `after` (and after the window) are untested; nil: all of them.
        case behind(after: EntryKey?)
        /// A page of the entries after `from` is being read. Matching arrivals the consumer had
        /// no credit for meanwhile are remembered as `rescanAfter`, to look at again.
        case scanning(from: EntryKey?, rescanAfter: RescanPosition?)
    }

    /// A position to rescan from: after `key`, or from the start when `key` is nil.
    struct RescanPosition {
        var after: EntryKey?
    }

    let filter: any MessageFilter
    /// Every ready entry with a key up to this one was tested (nil: none was).
    var readyTestedThrough: EntryKey?
    var disk: DiskScan
    /// The consumer asked to drain while a disk scan could still find matches: the report
    /// waits for the scan.
    var drainPending = false

    init(filter: any MessageFilter, queueIsPaged: Bool) {
        self.filter = filter
        self.disk = queueIsPaged ? .behind(after: nil) : .caughtUp
    }

    /// Whether a disk scan could still find matching entries for the consumer.
    var mayFindOnDisk: Bool {
        if case .caughtUp = self.disk { return false }
        return true
    }

    /// An entry that was not tested enters the ready window: test it (and what follows) again.
    mutating func readyEntryInserted(_ key: EntryKey) {
        if let tested = self.readyTestedThrough, key <= tested {
            self.readyTestedThrough = key.predecessor
        }
    }

    /// A matching entry on disk could not be taken for lack of credit: look at it again later.
    mutating func missedOnDisk(_ key: EntryKey) {
        let before = key.predecessor
        switch self.disk {
        case .caughtUp:
            self.disk = .behind(after: before)
        case .behind(let after):
            self.disk = .behind(after: .earliest(after, before))
        case .scanning(let from, let rescan):
            self.disk = .scanning(from: from, rescanAfter: RescanPosition(after: rescan.map { .earliest($0.after, before) } ?? before))
        }
    }

    /// Whether the disk scan has not yet reached `key`, so it will test it in time.
    func willScan(_ key: EntryKey) -> Bool {
        guard case .behind(let after) = self.disk else { return false }
        return after.map { $0 < key } ?? true
    }
}
