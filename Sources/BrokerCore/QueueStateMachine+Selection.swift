import BrokerStore

/// Dispatch when some consumers have filters (JMS selectors): entries a consumer does not want
/// stay for the others without holding back the ones behind them, and a filtered consumer reads
/// past the window to the entries it wants. See `ConsumerSelection`.
extension QueueStateMachine {
    /// Entries read per disk scan page.
    static let scanPageMessages = 1_000

    /// Walks the ready window in delivery order; each entry goes to the next consumer, round-robin,
    /// that has credit and takes it. Each filtered consumer starts after the entries it already
    /// tested, so an event costs the new entries, not the window.
    mutating func dispatchSelecting(now: Int64, actions: inout Actions) {
        var cursor: EntryKey? = nil
        while let start = self.firstUntestedPosition(after: cursor), let entry = self.ready.first(after: start) {
            cursor = entry.key
            if let expiration = entry.message.expiration, expiration <= now {
                self.ready.remove(entry.key)
                self.expiredWhileReady(entry, actions: &actions)
                continue
            }
            guard let index = self.consumerTaking(entry) else { continue }
            self.ready.remove(entry.key)
            self.deliver(entry, toConsumerAt: index, actions: &actions)
        }
    }

    /// Where the walk goes on after `cursor` (the last entry it visited): at once when a consumer
    /// without a filter has credit, else past what every filtered consumer with credit has already
    /// tested, so tested stretches of the window are jumped over, not walked. nil when no consumer
    /// has credit (wrapped, because "from the start" is itself nil).
    private func firstUntestedPosition(after cursor: EntryKey?) -> EntryKey?? {
        var start: EntryKey?? = .none
        for consumer in self.consumers where consumer.credit > 0 {
            guard let selection = consumer.selection else { return .some(cursor) }
            let untestedAfter: EntryKey? = .latest(cursor, selection.readyTestedThrough)
            start = .some(start.map { .earliest($0, untestedAfter) } ?? untestedAfter)
        }
        return start
    }

    /// The index of the consumer that takes `entry`, trying those with credit round-robin; each
    /// filtered consumer asked records that it tested the entry. Advances the round-robin cursor.
    private mutating func consumerTaking(_ entry: QueueEntry) -> Int? {
        let count = self.consumers.count
        for offset in 0..<count {
            let index = (self.nextConsumerIndex + offset) % count
            guard self.consumers[index].credit > 0 else { continue }
            if let selection = self.consumers[index].selection {
                if let tested = selection.readyTestedThrough, entry.key <= tested { continue }
                self.consumers[index].selection?.readyTestedThrough = entry.key
                guard selection.filter.matches(entry.message) else { continue }
            }
            self.nextConsumerIndex = (index + 1) % count
            return index
        }
        return nil
    }

    // MARK: Beyond the window

    /// A committed entry stays on disk beyond the window. Filtered consumers that are past it (or
    /// caught up) test it now: the first with credit whose filter matches takes it straight from
    /// here; a matching one without credit remembers to look again.
    mutating func arrivedBeyondWindow(_ entry: QueueEntry, now: Int64, actions: inout Actions) {
        guard self.filteredConsumerCount > 0, !self.beyondWindow.contains(entry.key) else { return }
        if let expiration = entry.message.expiration, expiration <= now { return }  // the window expires it later
        var taker: Int?
        var missedBy: [Int] = []
        let count = self.consumers.count
        for offset in 0..<count {
            let index = (self.nextConsumerIndex + offset) % count
            guard let selection = self.consumers[index].selection, !selection.willScan(entry.key),
                selection.filter.matches(entry.message)
            else { continue }
            if self.consumers[index].credit > 0 {
                taker = index
                break
            }
            missedBy.append(index)
        }
        guard let taker else {
            for index in missedBy { self.consumers[index].selection?.missedOnDisk(entry.key) }
            return
        }
        self.nextConsumerIndex = (taker + 1) % count
        self.beyondWindow.insert(entry.key)
        self.deliver(entry, toConsumerAt: taker, actions: &actions)
    }

    /// Asks to read the disk beyond the window for each filtered consumer that has credit, has
    /// tested everything ready, and may find more there.
    mutating func requestScansIfNeeded(actions: inout Actions) {
        guard self.filteredConsumerCount > 0, case .paged(let loadedThrough, _, _) = self.paging else { return }
        for index in self.consumers.indices where self.consumers[index].credit > 0 {
            guard case .behind(let after)? = self.consumers[index].selection?.disk else { continue }
            let from: EntryKey? = .latest(after, loadedThrough)
            self.consumers[index].selection?.disk = .scanning(from: from, rescanAfter: nil)
            actions.scans.append(
                ScanRequest(
                    consumer: self.consumers[index].id,
                    after: from,
                    maxCount: Self.scanPageMessages,
                    maxBytes: self.windowBytes,
                    generation: self.generation
                )
            )
        }
    }

    /// A page read beyond the window for `consumer` arrived: deliver what matches while it has credit.
    mutating func scanLoaded(_ page: StorePage, for consumer: ConsumerID, generation: Int, now: Int64) -> Actions {
        var actions = Actions()
        guard let index = self.consumers.firstIndex(where: { $0.id == consumer }),
            let selection = self.consumers[index].selection,
            case .scanning(let from, let rescan) = selection.disk
        else { return actions }
        guard generation == self.generation, case .paged(let loadedThrough, _, _) = self.paging else {
            // Purged or fully loaded meanwhile: the window holds everything there is.
            self.consumers[index].selection?.disk = self.paging == .allInMemory ? .caughtUp : .behind(after: nil)
            self.finishScan(consumerAt: index, now: now, actions: &actions)
            return actions
        }
        var tested = from
        var stoppedForCredit = false
        for item in page.items {
            let key = item.entry.key
            if let loadedThrough, key <= loadedThrough { tested = key; continue }  // the window has it
            if self.beyondWindow.contains(key) || self.inFlight[key] != nil { tested = key; continue }
            // Its arrival is still to be handled, and tests it then (`arrivedBeyondWindow`).
            if self.arrivalsPending.contains(key) { tested = key; continue }
            guard self.consumers[index].credit > 0 else {
                stoppedForCredit = true
                break
            }
            tested = key
            guard selection.filter.matches(item.message) else { continue }
            if let expiration = item.message.expiration, expiration <= now { continue }  // the window expires it later
            let entry = QueueEntry(key: key, message: item.message, deliveryCount: item.entry.deliveryCount, isStored: true)
            self.beyondWindow.insert(key)
            self.deliver(entry, toConsumerAt: index, actions: &actions)
        }
        var disk: ConsumerSelection.DiskScan
        if !stoppedForCredit, page.reachedEnd {
            disk = .caughtUp
        } else {
            disk = .behind(after: .latest(tested, loadedThrough))
        }
        if let rescan {
            // Matching arrivals it had no credit for while the page was read.
            switch disk {
            case .caughtUp: disk = .behind(after: rescan.after)
            case .behind(let after): disk = .behind(after: .earliest(after, rescan.after))
            case .scanning: break
            }
        }
        self.consumers[index].selection?.disk = disk
        self.finishScan(consumerAt: index, now: now, actions: &actions)
        return actions
    }

    /// A scan read failed: try again on the next event.
    mutating func scanFailed(for consumer: ConsumerID) {
        guard let index = self.consumers.firstIndex(where: { $0.id == consumer }),
            case .scanning(let from, let rescan)? = self.consumers[index].selection?.disk
        else { return }
        self.consumers[index].selection?.disk = .behind(after: rescan.map { .earliest($0.after, from) } ?? from)
    }

    /// After a scan page: dispatch (which asks for the next page if needed), then report a drain
    /// that waited for the scan once nothing more can be found or the credit is spent.
    private mutating func finishScan(consumerAt index: Int, now: Int64, actions: inout Actions) {
        self.dispatch(now: now, actions: &actions)
        guard let selection = self.consumers[index].selection, selection.drainPending else { return }
        let credit = self.consumers[index].credit
        guard credit == 0 || !selection.mayFindOnDisk else { return }
        self.consumers[index].selection?.drainPending = false
        actions.drained = (self.consumers[index].id, credit)
        self.consumers[index].credit = 0
    }
}
