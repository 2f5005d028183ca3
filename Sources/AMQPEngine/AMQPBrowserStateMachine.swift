import BrokerCore
import BrokerStore

/// The cursor of a browsing link (source distribution-mode `copy`): it reads its queue in delivery
/// order, one page at a time and never more than the peer's credit, without consuming anything.
/// Once it has seen everything it looks again on a timer while the peer still has credit, so a
/// browser also sees messages that arrive later. A plain value: events in, actions out; the handler
/// reads the pages (off the event loop: they come from the store) and runs the timer.
///
/// The cursor is the key of the last message handed out, so a message that arrives later with a
/// higher priority than that key (a smaller key) is not seen by this browser, nor is one of the same
/// priority whose commit ends after that of a newer one (concurrent producers) when a read falls in
/// between: both sort before the cursor. The queue's own consumers are not affected.
struct AMQPBrowserStateMachine {
    enum Action {
        /// Read up to `limit` messages after `cursor` (all from the head when nil) and report them
        /// with `pageRead` (or `pageReadFailed`).
        case readPage(after: EntryKey?, limit: Int)
        /// Send these on the link; each took one credit.
        case deliver([Delivery])
        /// The drain asked for is over: the link's remaining credit is used up.
        case reportDrained
        /// Nothing more to read now: fire `pollTimerFired` after the poll interval.
        case schedulePoll
    }

    /// The most messages one read brings into memory, whatever the credit.
    static let pageLimit = 100

    init(filter: (any MessageFilter)? = nil) {
        self.filter = filter
    }

    /// The browser's selector: it sees only the messages that match.
    private let filter: (any MessageFilter)?
    private(set) var credit = 0
    /// The key of the last message handed out (or skipped as expired).
    private(set) var cursor: EntryKey?
    /// A read is in flight; its result decides what comes next.
    private var isReading = false
    /// The cursor moved back while a read was in flight: that read's page starts too late.
    private var isReadInFlightStale = false
    /// The last read came back short: the browser has seen the whole queue as it was then.
    private var hasReachedEnd = false
    private var isDraining = false
    private var isPollScheduled = false

    /// The peer's credit changed (negative when it took some back).
    mutating func creditAdded(_ delta: Int) -> [Action] {
        self.credit = max(0, self.credit + delta)
        // New credit usually follows the peer having taken the last page: look again now.
        if delta > 0 { self.hasReachedEnd = false }
        return self.next()
    }

    /// Drain: send what there is now, then use up the remaining credit.
    mutating func drainRequested() -> [Action] {
        self.isDraining = true
        self.hasReachedEnd = false
        return self.next()
    }

    /// A page arrived: hand out what credit allows, skipping messages that expired meanwhile.
    /// `now` is in ms since 1970.
    mutating func pageRead(_ page: [Delivery], limit: Int, now: Int64) -> [Action] {
        self.isReading = false
        if self.isReadInFlightStale {
            self.isReadInFlightStale = false
            return self.next()
        }
        var deliveries: [Delivery] = []
        var takenWholePage = true
        for delivery in page {
            guard self.credit > 0 else {
                // The peer took credit back while the page was read: the rest waits.
                takenWholePage = false
                break
            }
            self.cursor = delivery.key
            if let expiration = delivery.message.expiration, expiration <= now { continue }
            if let filter = self.filter, !filter.matches(delivery.message) { continue }
            deliveries.append(delivery)
            self.credit -= 1
        }
        self.hasReachedEnd = takenWholePage && page.count < limit
        var actions: [Action] = deliveries.isEmpty ? [] : [.deliver(deliveries)]
        actions.append(contentsOf: self.next())
        return actions
    }

    /// The store could not be read: try again at the next poll (a drain still finishes now).
    mutating func pageReadFailed() -> [Action] {
        self.isReading = false
        self.isReadInFlightStale = false
        self.hasReachedEnd = true
        return self.next()
    }

    mutating func pollTimerFired() -> [Action] {
        self.isPollScheduled = false
        self.hasReachedEnd = false
        return self.next()
    }

    /// Deliveries the link could not send after all (the peer lowered its credit meanwhile), in
    /// order: browse them again from the first.
    mutating func deliveriesReturned(_ keys: [EntryKey]) -> [Action] {
        guard let first = keys.min() else { return [] }
        if first.message.rawValue > 0 {
            // The largest key below `first`: same queue and priority, the message id before it.
            self.cursor = EntryKey(queue: first.queue, priority: first.priority, message: MessageID(first.message.rawValue - 1))
        } else {
            self.cursor = nil
        }
        if self.isReading { self.isReadInFlightStale = true }
        self.hasReachedEnd = false
        return self.next()
    }

    private mutating func next() -> [Action] {
        guard !self.isReading else { return [] }
        if self.credit > 0 && !self.hasReachedEnd {
            self.isReading = true
            return [.readPage(after: self.cursor, limit: min(self.credit, Self.pageLimit))]
        }
        if self.isDraining {
            self.isDraining = false
            self.credit = 0
            return [.reportDrained]
        }
        if self.credit > 0 && !self.isPollScheduled {
            self.isPollScheduled = true
            return [.schedulePoll]
        }
        return []
    }
}
