import BrokerStore

/// The in-memory state of one queue: a bounded window of ready entries, deliveries in
/// flight, consumers with credit, and where the window stands relative to the disk.
///
/// A plain struct driven by events; it returns what the owner must do (deliver, write
/// to the store, page in, dead-letter). It never touches a lock, a thread or the store.
struct QueueStateMachine {
    typealias ConsumerID = Int

    /// Where the in-memory window stands relative to the entries on disk.
    enum Paging: Equatable {
        /// Every entry of the queue is in memory (ready or in flight).
        case allInMemory
        /// Entries with a key up to `loadedThrough` are in memory; later ones only on
        /// disk. `ignoredCommit` is the newest commit whose entry stayed on disk, so a
        /// page read from an older snapshot cannot declare the queue fully loaded.
        case paged(loadedThrough: EntryKey?, pageInFlight: Bool, ignoredCommit: Int)
    }

    struct ConsumerSlot {
        var id: ConsumerID
        var credit: Int
        /// nil for a consumer that takes every message.
        var selection: ConsumerSelection?
    }

    struct InFlight {
        var entry: QueueEntry
        var consumer: ConsumerID
    }

    /// Deliveries for one consumer.
    struct Dispatch {
        var consumer: ConsumerID
        var deliveries: [Delivery]
    }

    /// What the owner does after an event.
    struct Actions {
        var dispatches: [Dispatch] = []
        var storeOperations: [StoreOperation] = []
        /// Entries that expired while ready: to the expiry address or dropped.
        var expired: [QueueEntry] = []
        /// Entries past their delivery attempts or rejected: to the dead-letter address.
        var deadLettered: [QueueEntry] = []
        /// Read the next page of the queue from the store.
        var pageIn: PageRequest?
        /// Read entries beyond the window for filtered consumers (see `ConsumerSelection`).
        var scans: [ScanRequest] = []
        /// There is room again below the limits: wake blocked producers.
        var spaceAvailable = false
        /// A drain finished: tell the consumer, after its deliveries, how much credit it had left.
        var drained: (consumer: ConsumerID, unusedCredit: Int)?
        /// Where each consumer's `Dispatch` is, once there are too many to search.
        private var dispatchSlots: [ConsumerID: Int] = [:]

        /// Adds `delivery` to `consumer`'s dispatch: one per consumer per event, however many
        /// dispatch passes the event made.
        mutating func append(_ delivery: Delivery, to consumer: ConsumerID) {
            if let slot = self.dispatchSlot(of: consumer) {
                self.dispatches[slot].deliveries.append(delivery)
                return
            }
            if !self.dispatchSlots.isEmpty { self.dispatchSlots[consumer] = self.dispatches.count }
            self.dispatches.append(Dispatch(consumer: consumer, deliveries: [delivery]))
        }

        private mutating func dispatchSlot(of consumer: ConsumerID) -> Int? {
            // A few dispatches (the usual case) are searched: no dictionary to allocate and hash.
            if self.dispatches.count <= 8 {
                return self.dispatches.firstIndex { $0.consumer == consumer }
            }
            if self.dispatchSlots.count != self.dispatches.count {
                for (slot, dispatch) in self.dispatches.enumerated() { self.dispatchSlots[dispatch.consumer] = slot }
            }
            return self.dispatchSlots[consumer]
        }
    }

    struct PageRequest: Equatable {
        var after: EntryKey?
        var maxCount: Int
        var maxBytes: Int
        var generation: Int
    }

    /// A page of entries beyond the window, read for one filtered consumer.
    struct ScanRequest: Equatable {
        var consumer: ConsumerID
        var after: EntryKey?
        var maxCount: Int
        var maxBytes: Int
        var generation: Int
    }

    let queueID: QueueID
    let windowMessages: Int
    let windowBytes: Int
    var policy: AddressPolicy

    // Mutated only by this type and its extensions (QueueStateMachine+Selection.swift).
    var ready = ReadyEntries()
    var inFlight: [EntryKey: InFlight] = [:]
    var consumers: [ConsumerSlot] = []
    var nextConsumerIndex = 0
    var paging: Paging
    /// Bumped by purge so a page read before it is discarded.
    var generation = 0
    /// How many consumers have a filter: with none, dispatch takes the plain path.
    var filteredConsumerCount = 0
    /// Keys after the window's end that are in memory (taken from disk by a filtered consumer)
    /// or were settled since: page reads skip them until the window passes them.
    var beyondWindow: Set<EntryKey> = []
    /// Entries reserved for a store commit whose arrival has not been handled yet. The store's
    /// writer commits, then runs the completions: a page read from a snapshot taken in between
    /// already holds the entry. Page reads skip these keys and the arrival inserts them, so an
    /// entry never enters memory twice (it was delivered twice before this).
    var arrivalsPending: Set<EntryKey> = []
    /// Reserved entries on their way to the store (not into memory): until they arrive, no later
    /// entry may enter memory, or it would overtake them. Other reservations do not hold anyone
    /// up: one still being decided belongs to another producer (a producer publishes one message
    /// at a time), and producers are not ordered among themselves.
    var storeBound: Set<EntryKey> = []
    /// Whether producers that can wait are held while the consumers catch up (`producerShouldWait`).
    var holdsProducers = true
    /// Durable entries claimed for memory before their commit (`claimEarlyAdmission`) and not
    /// admitted yet. Their keys stay in `arrivalsPending` until admitted.
    var earlyClaims: Set<EntryKey> = []
    /// The newest key that entered memory (or was claimed early) since the queue last started
    /// paging. An entry may be delivered, settled and forgotten before its removal is committed
    /// (removals are deferred, and an early entry's store may still be syncing), so when the
    /// queue starts paging its reads must begin after this key, not after the newest key still
    /// in memory, or they would find such an entry again.
    var newestKeyAdmitted: EntryKey?
    /// Arrivals left on disk while a page read was in flight: the oldest key and the newest
    /// commit. Message ids are taken before commits are ordered, so the read's snapshot may hold
    /// newer keys but not these; the page must not move `loadedThrough` past the oldest of them.
    var lateArrivalsOnDisk: (oldestKey: EntryKey, newestCommit: Int)?

    /// All entries of the queue, in memory and on disk, including reservations of
    /// messages being committed.
    private(set) var messageCount: Int
    private(set) var byteCount: Int

    private(set) var enqueuedTotal = 0
    private(set) var deliveredTotal = 0
    private(set) var acknowledgedTotal = 0

    init(queueID: QueueID, policy: AddressPolicy, windowMessages: Int, windowBytes: Int, storedMessages: Int, storedBytes: Int) {
        self.queueID = queueID
        self.policy = policy
        self.windowMessages = windowMessages
        self.windowBytes = windowBytes
        self.messageCount = storedMessages
        self.byteCount = storedBytes
        self.paging = storedMessages > 0 ? .paged(loadedThrough: nil, pageInFlight: false, ignoredCommit: 0) : .allInMemory
    }

    var consumerCount: Int { self.consumers.count }
    var readyInMemory: Int { self.ready.count }

    // MARK: Producers

    enum Reservation: Equatable {
        case reserved
        case full(AddressPolicy.FullPolicy)
    }

    /// Whether the queue is at one of its limits.
    var isFull: Bool {
        if let max = self.policy.maxMessages, self.messageCount >= max { return true }
        if let max = self.policy.maxBytes, self.byteCount >= max { return true }
        return false
    }

    /// Counts the entry `key` about to be stored, applying the full policy. Under drop-oldest,
    /// ready entries are removed from the head until it fits (their removal is in `actions`).
    mutating func reserve(_ key: EntryKey, size: Int, actions: inout Actions) -> Reservation {
        if self.isFull {
            switch self.policy.fullPolicy {
            case .block, .fail:
                return .full(self.policy.fullPolicy)
            case .dropOldest:
                while self.isFull, let oldest = self.ready.popFirst() {
                    self.forget(oldest, actions: &actions)
                }
                if self.isFull { return .full(.dropOldest) }
            }
        }
        self.messageCount += 1
        self.byteCount += size
        self.enqueuedTotal += 1
        self.arrivalsPending.insert(key)
        return .reserved
    }

    /// Undoes a reservation whose commit failed.
    mutating func cancelReservation(_ key: EntryKey, size: Int) {
        self.arrivalsPending.remove(key)
        self.storeBound.remove(key)
        self.messageCount -= 1
        self.byteCount -= size
        self.enqueuedTotal -= 1
    }

    /// Whether a message just reserved can go into memory instead of through the store: the window
    /// has room, nothing of the queue is on disk ahead of it, and nothing is on its way to the
    /// store (`storeBound`), which it would overtake.
    var canHoldInMemory: Bool {
        self.paging == .allInMemory && self.ready.count < self.windowMessages && self.ready.bytes < self.windowBytes
            && self.storeBound.isEmpty
    }

    /// The entry reserved as `key` goes to the store (see `storeBound`).
    mutating func markStoreBound(_ key: EntryKey) {
        self.storeBound.insert(key)
    }

    /// Claims a place in memory for the durable entry reserved as `key` before its commit, on the
    /// same terms as `canHoldInMemory` (or marks it store-bound): consumers get it while the
    /// commit syncs. The caller submits the commit, then admits the entry (`earlyEntriesAdmitted`),
    /// so that anything a consumer's acknowledgment submits reaches the writer after it.
    mutating func claimEarlyAdmission(_ key: EntryKey) -> Bool {
        guard self.canHoldInMemory else {
            self.markStoreBound(key)
            return false
        }
        self.earlyClaims.insert(key)
        self.admitted(key)
        return true
    }

    /// Claimed entries enter memory, in order, with one dispatch for all of them (whatever the
    /// window holds now: their keys are accounted for as in memory, see `newestKeyAdmitted`).
    /// An entry whose commit already failed is skipped.
    mutating func earlyEntriesAdmitted(_ entries: [QueueEntry], now: Int64) -> Actions {
        var actions = Actions()
        for entry in entries where self.earlyClaims.remove(entry.key) != nil {
            self.arrivalsPending.remove(entry.key)
            self.insertReady(entry)
        }
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    /// The commit of an entry claimed early failed: it leaves memory unless a consumer holds it
    /// (its settlement then removes nothing from the store, which never had it).
    mutating func earlyEntryWithdrawn(_ key: EntryKey, size: Int) {
        if self.earlyClaims.remove(key) != nil || self.ready.remove(key) != nil {
            self.cancelReservation(key, size: size)
        }
    }

    /// A reserved entry is ready: committed to the store (`commit` = its transaction id)
    /// or, for a memory-only entry, accepted.
    mutating func entryArrived(_ entry: QueueEntry, commit: Int, now: Int64) -> Actions {
        var actions = Actions()
        self.arrive(entry, commit: commit, now: now, actions: &actions)
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    /// Entries of one commit, in commit order, handled as one event: the same outcome as one
    /// `entryArrived` each, with one dispatch at the end. Ready entries are dispatched before an
    /// arrival that finds the window full (as an event per entry would have made room), and after
    /// each arrival while a filtered consumer may take entries beyond the window directly, so
    /// that it still sees them in key order.
    mutating func entriesArrived(_ entries: [QueueEntry], commit: Int, now: Int64) -> Actions {
        var actions = Actions()
        for entry in entries {
            if self.readyWindowIsFull { self.dispatch(now: now, actions: &actions) }
            self.arrive(entry, commit: commit, now: now, actions: &actions)
            if self.filteredConsumerCount > 0 { self.dispatch(now: now, actions: &actions) }
        }
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    private var readyWindowIsFull: Bool {
        self.ready.count >= self.windowMessages || self.ready.bytes >= self.windowBytes
    }

    /// A producer that can wait should, rather than have its non-durable message paged: someone
    /// consumes the queue, but its window is full or it is paging a backlog, and no producer has
    /// given up waiting since it was last all in memory (`producerGaveUpWaiting`). A producer so
    /// held goes on at `producerMayGoOn` (see `Broker.publish`, `onWindowFull`).
    var producerShouldWait: Bool {
        self.holdsProducers && !self.consumers.isEmpty && (self.paging != .allInMemory || self.readyWindowIsFull)
    }

    /// The queue is all in memory with its window drained to half, or there is nothing to wait
    /// for any more (no consumer, or a producer gave up waiting).
    var producerMayGoOn: Bool {
        guard self.holdsProducers, !self.consumers.isEmpty else { return true }
        return self.paging == .allInMemory && self.ready.count <= self.windowMessages / 2 && self.ready.bytes <= self.windowBytes / 2
    }

    /// A producer waited its limit: the consumers are stuck or slow, so until the queue has caught
    /// up (all in memory again) producers page their messages instead of waiting.
    mutating func producerGaveUpWaiting() -> Actions {
        self.holdsProducers = false
        return Actions()
    }

    /// Puts an arrived entry in the ready window, or leaves it on disk beyond the window.
    private mutating func arrive(_ entry: QueueEntry, commit: Int, now: Int64, actions: inout Actions) {
        self.arrivalsPending.remove(entry.key)
        if !self.storeBound.isEmpty { self.storeBound.remove(entry.key) }
        switch self.paging {
        case .allInMemory:
            if self.readyWindowIsFull, entry.isStored {
                // The window is full: this entry stays on disk; later ones follow it.
                let loadedThrough = [self.newestKeyInMemory, self.newestKeyAdmitted].compactMap { $0 }.max()
                if let loadedThrough, entry.key < loadedThrough {
                    self.insertReady(entry)
                } else {
                    self.newestKeyAdmitted = nil  // covered by `loadedThrough` from now on
                    self.paging = .paged(loadedThrough: loadedThrough, pageInFlight: false, ignoredCommit: commit)
                    self.arrivedBeyondWindow(entry, now: now, actions: &actions)
                }
            } else {
                self.insertReady(entry)
            }
        case .paged(let loadedThrough, let pageInFlight, let ignoredCommit):
            // Up to and including `loadedThrough`: a page that read past this entry skipped it
            // (see `arrivalsPending`), so only this arrival puts it in memory.
            if let loadedThrough, entry.key <= loadedThrough {
                self.insertReady(entry)
            } else {
                self.paging = .paged(loadedThrough: loadedThrough, pageInFlight: pageInFlight, ignoredCommit: max(ignoredCommit, commit))
                if pageInFlight {
                    let late = self.lateArrivalsOnDisk
                    self.lateArrivalsOnDisk = (min(late?.oldestKey ?? entry.key, entry.key), max(late?.newestCommit ?? commit, commit))
                }
                self.arrivedBeyondWindow(entry, now: now, actions: &actions)
            }
        }
    }

    /// The newest key held in memory, ready or in flight.
    private var newestKeyInMemory: EntryKey? {
        var newest = self.ready.last?.key
        for key in self.inFlight.keys where newest == nil || newest! < key {
            newest = key
        }
        return newest
    }

    // MARK: Paging

    /// A page read from the store arrived.
    mutating func pageLoaded(_ page: StorePage, generation: Int, now: Int64) -> Actions {
        var actions = Actions()
        guard generation == self.generation, case .paged(let loadedThrough, _, let ignoredCommit) = self.paging else {
            return actions
        }
        // An arrival this snapshot cannot hold: take the page only up to it; the next read, from a
        // newer snapshot, starts there.
        var stopAt: EntryKey?
        if let late = self.lateArrivalsOnDisk, page.snapshotID < late.newestCommit { stopAt = late.oldestKey }
        self.lateArrivalsOnDisk = nil
        var newLoadedThrough = loadedThrough
        for item in page.items {
            if let stopAt, !(item.entry.key < stopAt) { break }
            newLoadedThrough = item.entry.key
            if let loadedThrough, !(loadedThrough < item.entry.key) { continue }
            if self.beyondWindow.contains(item.entry.key) || self.arrivalsPending.contains(item.entry.key) { continue }
            self.insertReady(
                QueueEntry(key: item.entry.key, message: item.message, deliveryCount: item.entry.deliveryCount, isStored: true)
            )
        }
        if page.reachedEnd && stopAt == nil && ignoredCommit <= page.snapshotID {
            self.paging = .allInMemory
            self.everythingInMemory()
            self.holdsProducers = true
        } else {
            self.paging = .paged(loadedThrough: newLoadedThrough, pageInFlight: false, ignoredCommit: ignoredCommit)
            if let newLoadedThrough, !self.beyondWindow.isEmpty {
                self.beyondWindow = self.beyondWindow.filter { newLoadedThrough < $0 }
            }
        }
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    /// The queue was opened: start loading its window when it has a backlog.
    mutating func started() -> Actions {
        var actions = Actions()
        self.requestPageIfNeeded(actions: &actions)
        return actions
    }

    /// A page read failed: allow a retry on the next event.
    mutating func pageFailed() {
        self.lateArrivalsOnDisk = nil  // the next read's snapshot holds them
        if case .paged(let loadedThrough, _, let ignoredCommit) = self.paging {
            self.paging = .paged(loadedThrough: loadedThrough, pageInFlight: false, ignoredCommit: ignoredCommit)
        }
    }

    mutating func requestPageIfNeeded(actions: inout Actions) {
        guard case .paged(let loadedThrough, false, let ignoredCommit) = self.paging,
            self.ready.count < self.windowMessages / 2
        else { return }
        self.paging = .paged(loadedThrough: loadedThrough, pageInFlight: true, ignoredCommit: ignoredCommit)
        actions.pageIn = PageRequest(
            after: loadedThrough,
            maxCount: self.windowMessages - self.ready.count,
            maxBytes: max(1, self.windowBytes - self.ready.bytes),
            generation: self.generation
        )
    }

    // MARK: Consumers

    /// Adds a consumer; with a `filter` it only takes the messages that match.
    mutating func addConsumer(_ id: ConsumerID, credit: Int, filter: (any MessageFilter)? = nil, now: Int64) -> Actions {
        let selection = filter.map { ConsumerSelection(filter: $0, queueIsPaged: self.paging != .allInMemory) }
        if selection != nil { self.filteredConsumerCount += 1 }
        self.consumers.append(ConsumerSlot(id: id, credit: credit, selection: selection))
        var actions = Actions()
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    /// Removes a consumer; its deliveries in flight return to the queue as attempted.
    mutating func removeConsumer(_ id: ConsumerID, now: Int64) -> Actions {
        if let index = self.consumers.firstIndex(where: { $0.id == id }) {
            if self.consumers[index].selection != nil { self.filteredConsumerCount -= 1 }
            self.consumers.remove(at: index)
            if self.nextConsumerIndex > index { self.nextConsumerIndex -= 1 }
        }
        var actions = Actions()
        let returning = self.inFlight.filter { $0.value.consumer == id }
        for (key, _) in returning {
            self.requeue(key, countAttempt: true, actions: &actions)
        }
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    mutating func addCredit(_ credit: Int, to id: ConsumerID, now: Int64) -> Actions {
        if let index = self.consumers.firstIndex(where: { $0.id == id }) {
            self.consumers[index].credit += credit
        }
        var actions = Actions()
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    mutating func setCredit(_ credit: Int, of id: ConsumerID, now: Int64) -> Actions {
        if let index = self.consumers.firstIndex(where: { $0.id == id }) {
            self.consumers[index].credit = credit
        }
        var actions = Actions()
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    /// Delivers what is ready, then takes the consumer's remaining credit away; the
    /// owner reports the unused credit after the deliveries (`drained`).
    mutating func drain(_ id: ConsumerID, now: Int64) -> Actions {
        var actions = Actions()
        self.dispatch(now: now, actions: &actions)
        guard let index = self.consumers.firstIndex(where: { $0.id == id }) else { return actions }
        if self.consumers[index].credit > 0, self.consumers[index].selection?.mayFindOnDisk == true {
            // Matching messages may wait beyond the window: report once the scan has looked.
            self.consumers[index].selection?.drainPending = true
            return actions
        }
        actions.drained = (id, self.consumers[index].credit)
        self.consumers[index].credit = 0
        return actions
    }

    func credit(of id: ConsumerID) -> Int {
        self.consumers.first { $0.id == id }?.credit ?? 0
    }

    // MARK: Settlement

    mutating func acknowledge(_ key: EntryKey, now: Int64) -> Actions {
        var actions = Actions()
        guard let inFlight = self.inFlight.removeValue(forKey: key) else { return actions }
        self.acknowledgedTotal += 1
        self.forget(inFlight.entry, actions: &actions)
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    /// Acknowledges `keys` and gives `consumer` `credit` more in one event, so a front end that
    /// settles a read batch (or a delivery batch sent at QoS 0) costs one dispatch and one store
    /// submission for all the removals instead of one of each per message. Unknown keys are skipped.
    mutating func settle(acknowledging keys: [EntryKey], addingCredit credit: Int, to id: ConsumerID, now: Int64) -> Actions {
        var actions = Actions()
        self.forgetAcknowledged(keys, actions: &actions)
        if credit != 0, let index = self.consumers.firstIndex(where: { $0.id == id }) {
            self.consumers[index].credit += credit
        }
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    private mutating func forgetAcknowledged(_ keys: [EntryKey], actions: inout Actions) {
        for key in keys {
            guard let inFlight = self.inFlight.removeValue(forKey: key) else { continue }
            self.acknowledgedTotal += 1
            self.forget(inFlight.entry, actions: &actions)
        }
    }

    /// Returns a delivery to the queue; with `countAttempt` it counts toward max-delivery-attempts.
    mutating func release(_ key: EntryKey, countAttempt: Bool, now: Int64) -> Actions {
        var actions = Actions()
        self.requeue(key, countAttempt: countAttempt, actions: &actions)
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    /// The consumer refuses the message: it goes to the dead-letter address at once.
    mutating func reject(_ key: EntryKey, now: Int64) -> Actions {
        var actions = Actions()
        guard let inFlight = self.inFlight.removeValue(forKey: key) else { return actions }
        self.deadLetter(inFlight.entry, actions: &actions)
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    // MARK: Transactions

    /// Takes deliveries in flight out of the queue for a transaction's commit, which removes
    /// them from the store itself: all of `keys` or, when one is no longer in flight (its
    /// consumer went away and it was returned), none.
    mutating func claimForTransaction(_ keys: [EntryKey]) -> [QueueEntry]? {
        guard keys.allSatisfy({ self.inFlight[$0] != nil }) else { return nil }
        let entries = keys.compactMap { self.inFlight.removeValue(forKey: $0)?.entry }
        for entry in entries {
            self.messageCount -= 1
            self.byteCount -= entry.size
            self.acknowledgedTotal += 1
        }
        return entries
    }

    /// The transaction that claimed entries committed: room may have appeared.
    mutating func transactionCommitted(now: Int64) -> Actions {
        var actions = Actions()
        actions.spaceAvailable = !self.isFull
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    /// The commit of claimed entries failed: they come back as a counted delivery attempt.
    mutating func returnClaimed(_ entries: [QueueEntry], now: Int64) -> Actions {
        var actions = Actions()
        for var entry in entries {
            self.messageCount += 1
            self.byteCount += entry.size
            self.acknowledgedTotal -= 1
            entry.deliveryCount += 1
            if entry.deliveryCount >= self.policy.maxDeliveryAttempts {
                self.deadLetter(entry, actions: &actions)
                continue
            }
            if entry.isStored {
                actions.storeOperations.append(.setDeliveryCount(entry.key, entry.deliveryCount))
            }
            self.insertReady(entry)
        }
        self.dispatch(now: now, actions: &actions)
        return actions
    }

    private mutating func requeue(_ key: EntryKey, countAttempt: Bool, actions: inout Actions) {
        guard var entry = self.inFlight.removeValue(forKey: key)?.entry else { return }
        if countAttempt {
            entry.deliveryCount += 1
        }
        if entry.deliveryCount >= self.policy.maxDeliveryAttempts {
            self.deadLetter(entry, actions: &actions)
            return
        }
        if countAttempt && entry.isStored {
            actions.storeOperations.append(.setDeliveryCount(entry.key, entry.deliveryCount))
        }
        self.insertReady(entry)
    }

    /// Hands an entry to the owner for the dead-letter address; it leaves this queue's counts.
    private mutating func deadLetter(_ entry: QueueEntry, actions: inout Actions) {
        self.messageCount -= 1
        self.byteCount -= entry.size
        actions.deadLettered.append(entry)
        actions.spaceAvailable = true
    }

    /// Removes an entry for good (acknowledged, dropped, expired without expiry address).
    private mutating func forget(_ entry: QueueEntry, actions: inout Actions) {
        let wasFull = self.isFull
        self.messageCount -= 1
        self.byteCount -= entry.size
        if entry.isStored {
            actions.storeOperations.append(.removeEntry(entry.key))
        }
        if wasFull && !self.isFull { actions.spaceAvailable = true }
    }

    // MARK: Purge and expiry

    /// Removes every ready entry, in memory and on disk. Deliveries in flight stay.
    mutating func purge() -> (Actions, removed: Int) {
        var actions = Actions()
        let inMemory = self.ready.removeAll { _ in true }
        let inFlightCount = self.inFlight.count
        let inFlightBytes = self.inFlight.values.reduce(0) { $0 + $1.entry.size }
        let removed = self.messageCount - inFlightCount
        _ = inMemory
        actions.storeOperations.append(.purgeQueue(self.queueID, keeping: Set(self.inFlight.keys)))
        self.messageCount = inFlightCount
        self.byteCount = inFlightBytes
        self.generation += 1
        self.paging = .allInMemory
        self.lateArrivalsOnDisk = nil
        self.everythingInMemory()
        self.holdsProducers = true
        for index in self.consumers.indices { self.consumers[index].selection?.readyTestedThrough = nil }
        actions.spaceAvailable = true
        return (actions, removed)
    }

    /// Takes expired entries off the ready window.
    mutating func expire(now: Int64) -> Actions {
        var actions = Actions()
        let expired = self.ready.removeAll { entry in
            guard let expiration = entry.message.expiration else { return false }
            return expiration <= now
        }
        for entry in expired {
            self.messageCount -= 1
            self.byteCount -= entry.size
            actions.expired.append(entry)
        }
        if !expired.isEmpty {
            actions.spaceAvailable = true
            self.requestPageIfNeeded(actions: &actions)
        }
        return actions
    }

    // MARK: Dispatch

    /// Gives ready entries to consumers with credit, round-robin, in delivery order; then asks
    /// for the reads that keep the window and the filtered consumers supplied.
    mutating func dispatch(now: Int64, actions: inout Actions) {
        defer {
            self.requestPageIfNeeded(actions: &actions)
            self.requestScansIfNeeded(actions: &actions)
        }
        guard !self.consumers.isEmpty, !self.ready.isEmpty else { return }
        guard self.filteredConsumerCount == 0 else {
            return self.dispatchSelecting(now: now, actions: &actions)
        }
        // Check for a ready entry before choosing a consumer, so the round-robin
        // cursor only advances for a real delivery.
        while !self.ready.isEmpty, let index = self.nextConsumerWithCredit(), let entry = self.ready.popFirst() {
            if let expiration = entry.message.expiration, expiration <= now {
                self.expiredWhileReady(entry, actions: &actions)
                continue
            }
            self.deliver(entry, toConsumerAt: index, actions: &actions)
        }
    }

    /// An entry taken off the ready window because it expired: to the expiry address or dropped.
    mutating func expiredWhileReady(_ entry: QueueEntry, actions: inout Actions) {
        self.messageCount -= 1
        self.byteCount -= entry.size
        actions.expired.append(entry)
        actions.spaceAvailable = true
    }

    /// Puts `entry` in flight to the consumer at `index`, spending one credit.
    mutating func deliver(_ entry: QueueEntry, toConsumerAt index: Int, actions: inout Actions) {
        // Straight from an arrival beyond the window, the body may still be a slice of a read.
        let entry = entry.owningItsBody()
        self.consumers[index].credit -= 1
        let consumer = self.consumers[index].id
        self.inFlight[entry.key] = InFlight(entry: entry, consumer: consumer)
        self.deliveredTotal += 1
        actions.append(Delivery(key: entry.key, message: entry.message, deliveryCount: entry.deliveryCount), to: consumer)
    }

    /// An entry that no consumer has tested enters the ready window.
    mutating func insertReady(_ entry: QueueEntry) {
        self.ready.insert(entry.owningItsBody())
        self.admitted(entry.key)
        guard self.filteredConsumerCount > 0 else { return }
        for index in self.consumers.indices {
            self.consumers[index].selection?.readyEntryInserted(entry.key)
        }
    }

    private mutating func admitted(_ key: EntryKey) {
        if self.newestKeyAdmitted.map({ $0 < key }) ?? true { self.newestKeyAdmitted = key }
    }

    /// Every entry of the queue is in memory now: nothing beyond the window to scan or skip. A scan
    /// still being read finishes as caught up when it arrives (`scanLoaded`).
    private mutating func everythingInMemory() {
        self.beyondWindow.removeAll()
        for index in self.consumers.indices {
            guard let disk = self.consumers[index].selection?.disk else { continue }
            if case .scanning = disk { continue }
            self.consumers[index].selection?.disk = .caughtUp
        }
    }

    /// The next consumer (round-robin) that has credit, advancing the cursor past it.
    mutating func nextConsumerWithCredit() -> Int? {
        let count = self.consumers.count
        for offset in 0..<count {
            let index = (self.nextConsumerIndex + offset) % count
            if self.consumers[index].credit > 0 {
                self.nextConsumerIndex = (index + 1) % count
                return index
            }
        }
        return nil
    }

    /// The creation time of the oldest message held in memory (the window holds the head
    /// of the queue, so this is the oldest waiting message unless the window is full of
    /// newer high-priority ones).
    var oldestCreationTimeInMemory: Int64? {
        var oldest: Int64?
        for entry in self.ready.all { oldest = min(oldest ?? entry.message.creationTime, entry.message.creationTime) }
        for inFlight in self.inFlight.values {
            oldest = min(oldest ?? inFlight.entry.message.creationTime, inFlight.entry.message.creationTime)
        }
        return oldest
    }

    /// Entries held in memory, ready then in flight, for browsing.
    var entriesInMemory: [QueueEntry] {
        self.ready.all + self.inFlight.values.map(\.entry).sorted { $0.key < $1.key }
    }
}
