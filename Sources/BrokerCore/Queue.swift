import Atomics
import BrokerStore
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// A queue: its definition plus its state machine, owned through one lock.
///
/// Every event takes the lock, feeds the state machine and releases it; the returned
/// actions (deliveries, store writes, page-ins) run after the lock is released, so no
/// callback into a front end or the store ever happens while the lock is held.
public final class Queue: @unchecked Sendable {
    // @unchecked: `state`, `delegates`, `nextConsumerID`, `spaceWaiters` and `producerWaiters` are only
    // accessed with `lock` held. Lock order: the broker's routing lock is never taken
    // while a queue lock is held.

    public let id: QueueID
    public let name: String
    public let address: String
    public let routingType: QueueRecord.RoutingType
    public let isDurable: Bool
    /// The binding pattern for wildcard subscriptions, else the address itself.
    public let filter: String
    /// Every pattern a multicast queue is bound with: `filter` and any additional ones.
    public let bindings: [String]
    /// The selector a subscription stores by, empty when it takes every message.
    public let selector: String
    /// The filter built from `selector`; nil when it takes every message.
    private let routingFilter: (any MessageFilter)?
    /// A no-local subscription's own connection (0: none), whose messages it does not store.
    private let excludedPublisher = ManagedAtomic<UInt64>(0)

    private let lock = NIOLock()
    private var state: QueueStateMachine
    private var delegates: [QueueStateMachine.ConsumerID: any ConsumerDelegate] = [:]
    private var nextConsumerID = 0
    private var spaceWaiters: [@Sendable () -> Void] = []
    /// Producers held while the window was full and consumed (`whenProducerMayGoOn`).
    private var producerWaiters: [@Sendable () -> Void] = []
    /// Deliveries and drain reports waiting to be handed to delegates, in dispatch order.
    private var outbox: [OutboxItem] = []
    /// True while one thread is handing the outbox to delegates; others only append.
    private var isDeliveringOutbox = false
    private let services: BrokerServices

    private enum OutboxItem {
        case deliveries(QueueStateMachine.ConsumerID, [Delivery])
        case drained(QueueStateMachine.ConsumerID, unusedCredit: Int)
    }

    /// `routingFilter` is the filter of `record.selector` when the caller has it; else the
    /// services' filter factory builds it (a subscription reopened after a restart).
    init(record: QueueRecord, policy: AddressPolicy, services: BrokerServices, routingFilter: (any MessageFilter)? = nil) {
        self.id = record.id
        self.name = record.name
        self.address = record.address
        self.routingType = record.routingType
        self.isDurable = record.isDurable
        self.filter = record.filter
        self.bindings = [record.filter] + record.additionalBindings
        self.selector = record.selector
        if record.selector.isEmpty {
            self.routingFilter = nil
        } else {
            self.routingFilter = routingFilter ?? services.filterFactory?(record.selector)
            if self.routingFilter == nil {
                services.logger.error(
                    "subscription selector not understood: storing every message",
                    metadata: ["outpost.queue": "\(record.name)", "outpost.selector": "\(record.selector)"]
                )
            }
        }
        self.services = services
        self.state = QueueStateMachine(
            queueID: record.id,
            policy: policy,
            windowMessages: services.configuration.queueWindowMessages,
            windowBytes: services.configuration.queueWindowBytes,
            storedMessages: Int(record.messageCount),
            storedBytes: Int(record.byteCount)
        )
    }

    var record: QueueRecord {
        QueueRecord(id: self.id, name: self.name, address: self.address, routingType: self.routingType, isDurable: self.isDurable, filter: self.filter, additionalBindings: Array(self.bindings.dropFirst()), selector: self.selector)
    }

    // MARK: Routing

    /// Whether a message published by `connection` enters this queue: a subscription with a
    /// selector stores only what matches; a no-local one nothing its own connection sent.
    func admits(_ message: StoredMessage, publishedBy connection: UInt64?) -> Bool {
        if let connection, connection == self.excludedPublisher.load(ordering: .relaxed) { return false }
        return self.routingFilter?.matches(message) ?? true
    }

    /// Makes this subscription skip messages `connection` publishes (AMQP no-local); nil stops it.
    public func excludeMessages(publishedBy connection: UInt64?) {
        self.excludedPublisher.store(connection ?? 0, ordering: .relaxed)
    }

    // MARK: Statistics

    public struct Statistics: Sendable, Equatable {
        public var messageCount: Int
        public var byteCount: Int
        public var consumerCount: Int
        public var inFlight: Int
        public var enqueuedTotal: Int
        public var deliveredTotal: Int
        public var acknowledgedTotal: Int
    }

    public var statistics: Statistics {
        self.lock.withLock {
            Statistics(
                messageCount: self.state.messageCount,
                byteCount: self.state.byteCount,
                consumerCount: self.state.consumerCount,
                inFlight: self.state.inFlight.count,
                enqueuedTotal: self.state.enqueuedTotal,
                deliveredTotal: self.state.deliveredTotal,
                acknowledgedTotal: self.state.acknowledgedTotal
            )
        }
    }

    public var isFull: Bool { self.lock.withLock { self.state.isFull } }

    /// Creation time (ms since 1970) of the oldest message in the queue's memory window;
    /// no disk access, so status pages can call it from an event loop.
    public var oldestMessageCreationTime: Int64? { self.lock.withLock { self.state.oldestCreationTimeInMemory } }

    /// Calls `callback` once when the queue is below its limits (at once if it already is).
    public func whenNotFull(_ callback: @escaping @Sendable () -> Void) {
        let callNow = self.lock.withLock {
            if self.state.isFull {
                self.spaceWaiters.append(callback)
                return false
            }
            return true
        }
        if callNow { callback() }
    }

    /// See `QueueStateMachine.producerShouldWait`.
    var producerShouldWait: Bool { self.lock.withLock { self.state.producerShouldWait } }

    /// A producer held by this queue waited its limit (see `QueueStateMachine.producerGaveUpWaiting`);
    /// the others held go on too.
    public func producerGaveUpWaiting() {
        self.mutate { $0.producerGaveUpWaiting() }
    }

    /// Calls `callback` once a producer held by a full window may go on (at once if it may).
    public func whenProducerMayGoOn(_ callback: @escaping @Sendable () -> Void) {
        let callNow = self.lock.withLock {
            if self.state.producerMayGoOn { return true }
            self.producerWaiters.append(callback)
            return false
        }
        if callNow { callback() }
    }

    // MARK: Producers (called by the broker)

    /// The key `message` has in this queue.
    func entryKey(for message: StoredMessage) -> EntryKey {
        EntryKey(queue: self.id, priority: message.priority, message: message.id)
    }

    func reserve(_ key: EntryKey, size: Int) -> QueueStateMachine.Reservation {
        var outcome = QueueStateMachine.Reservation.reserved
        self.mutate { state in
            var actions = QueueStateMachine.Actions()
            outcome = state.reserve(key, size: size, actions: &actions)
            return actions
        }
        return outcome
    }

    /// What `reserve(_:size:earlyAdmission:)` decides for a durable message besides room.
    enum EarlyAdmissionRequest {
        /// Not a durable message: nothing to decide (see `entryArrivedInMemory`).
        case notDurable
        /// Durable, with nothing else riding on its commit: claim it when the queue has room.
        case claimIfRoom
        /// Durable, but its commit carries other state (QoS 2, a transaction): it is store-bound.
        case wait
    }

    /// Reserves room and, for a durable message, claims or refuses its early admission (see
    /// `QueueStateMachine.claimEarlyAdmission`) under the same lock: one lock per queue and message.
    /// `claimedEarly` is true when the entry was claimed; undo with `earlyEntryWithdrawn` then,
    /// with `cancelReservation` otherwise.
    func reserve(
        _ key: EntryKey,
        size: Int,
        earlyAdmission: EarlyAdmissionRequest
    ) -> (reservation: QueueStateMachine.Reservation, claimedEarly: Bool) {
        var outcome = QueueStateMachine.Reservation.reserved
        var claimedEarly = false
        self.mutate { state in
            var actions = QueueStateMachine.Actions()
            outcome = state.reserve(key, size: size, actions: &actions)
            guard outcome == .reserved else { return actions }
            switch earlyAdmission {
            case .notDurable:
                break
            case .claimIfRoom:
                claimedEarly = state.claimEarlyAdmission(key)
            case .wait:
                state.markStoreBound(key)
            }
            return actions
        }
        return (outcome, claimedEarly)
    }

    func cancelReservation(_ key: EntryKey, size: Int) {
        self.lock.withLock { self.state.cancelReservation(key, size: size) }
    }

    /// Takes a reserved, not stored entry into memory when the window has room and nothing of the
    /// queue is on disk; returns false, changing nothing, when it must be stored instead. Deciding
    /// and arriving under one lock matters: a stored arrival on another thread can page the queue
    /// in between, and a memory-only entry arriving beyond the window would be lost.
    func entryArrivedInMemory(_ entry: QueueEntry) -> Bool {
        let now = self.services.clock.now()
        var accepted = false
        self.mutate { state in
            guard state.canHoldInMemory else {
                state.markStoreBound(entry.key)
                return QueueStateMachine.Actions()
            }
            accepted = true
            return state.entryArrived(entry, commit: 0, now: now)
        }
        return accepted
    }

    func earlyEntriesAdmitted(_ entries: [QueueEntry]) {
        let now = self.services.clock.now()
        self.mutate { $0.earlyEntriesAdmitted(entries, now: now) }
    }

    func earlyEntryWithdrawn(_ key: EntryKey, size: Int) {
        self.lock.withLock { self.state.earlyEntryWithdrawn(key, size: size) }
    }

    func entryArrived(_ entry: QueueEntry, commit: Int) {
        let now = self.services.clock.now()
        self.mutate { $0.entryArrived(entry, commit: commit, now: now) }
    }

    /// Entries one commit made durable, in commit order: one event for all of them.
    func entriesArrived(_ entries: [QueueEntry], commit: Int) {
        let now = self.services.clock.now()
        self.mutate { $0.entriesArrived(entries, commit: commit, now: now) }
    }

    func loadInitialWindow() {
        self.mutate { $0.started() }
    }

    // MARK: Consumers

    /// Adds a consumer with `credit`; deliveries arrive through `delegate`. With a `filter` the
    /// consumer only gets matching messages; the others stay for other consumers.
    public func addConsumer(delegate: any ConsumerDelegate, credit: Int = 0, filter: (any MessageFilter)? = nil) -> Consumer {
        let now = self.services.clock.now()
        var id = 0
        self.mutate { state in
            id = self.nextConsumerID
            self.nextConsumerID += 1
            self.delegates[id] = delegate
            return state.addConsumer(id, credit: credit, filter: filter, now: now)
        }
        return Consumer(queue: self, id: id)
    }

    func removeConsumer(_ id: QueueStateMachine.ConsumerID) {
        let now = self.services.clock.now()
        self.mutate { state in
            self.delegates[id] = nil
            return state.removeConsumer(id, now: now)
        }
    }

    func handle(_ event: (inout QueueStateMachine, Int64) -> QueueStateMachine.Actions) {
        let now = self.services.clock.now()
        self.mutate { event(&$0, now) }
    }

    // MARK: Transactions

    /// See `QueueStateMachine.claimForTransaction`.
    func claimForTransaction(_ keys: [EntryKey]) -> [QueueEntry]? {
        self.lock.withLock { self.state.claimForTransaction(keys) }
    }

    func transactionCommitted() {
        self.handle { state, now in state.transactionCommitted(now: now) }
    }

    func returnClaimed(_ entries: [QueueEntry]) {
        self.handle { state, now in state.returnClaimed(entries, now: now) }
    }

    func credit(of consumer: QueueStateMachine.ConsumerID) -> Int {
        self.lock.withLock { self.state.credit(of: consumer) }
    }

    // MARK: Management

    /// Removes every ready message (in memory and on disk). Returns how many.
    @discardableResult
    public func purge() -> Int {
        var removed = 0
        self.mutate { state in
            let (actions, count) = state.purge()
            removed = count
            return actions
        }
        return removed
    }

    /// Moves expired ready messages to the expiry address (or drops them).
    public func expireMessages() {
        let now = self.services.clock.now()
        self.mutate { $0.expire(now: now) }
    }

    /// Messages of the queue in delivery order without consuming them: from the store
    /// for stored entries, merged with memory-only ones.
    public func browse(limit: Int, after: EntryKey? = nil) throws -> [Delivery] {
        let inMemory = self.lock.withLock { self.state.entriesInMemory.filter { !$0.isStored } }
        var result = try self.services.store.read { reader in
            try reader.page(of: self.id, after: after, maxCount: limit, maxBytes: Int.max).items.map {
                Delivery(key: $0.entry.key, message: $0.message, deliveryCount: $0.entry.deliveryCount)
            }
        }
        for entry in inMemory where after.map({ $0 < entry.key }) ?? true {
            result.append(Delivery(key: entry.key, message: entry.message, deliveryCount: entry.deliveryCount))
        }
        result.sort { $0.key < $1.key }
        return Array(result.prefix(limit))
    }

    // MARK: Actions

    /// Runs one event on the state machine under the lock, queues its deliveries in the
    /// outbox in the same critical section (so outbox order is dispatch order), then
    /// performs the rest of its actions with the lock released.
    private func mutate(_ event: (inout QueueStateMachine) -> QueueStateMachine.Actions) {
        var producersToResume: [@Sendable () -> Void] = []
        let (actions, firstBatch) = self.lock.withLock { () -> (QueueStateMachine.Actions, OutboxBatch?) in
            let actions = event(&self.state)
            for dispatch in actions.dispatches {
                self.outbox.append(.deliveries(dispatch.consumer, dispatch.deliveries))
            }
            if let (consumer, unused) = actions.drained {
                self.outbox.append(.drained(consumer, unusedCredit: unused))
            }
            if !self.producerWaiters.isEmpty, self.state.producerMayGoOn {
                swap(&producersToResume, &self.producerWaiters)
            }
            guard !self.outbox.isEmpty, !self.isDeliveringOutbox else { return (actions, nil) }
            // This thread becomes the deliverer; it takes the first batch in this same critical section.
            self.isDeliveringOutbox = true
            return (actions, self.takeOutbox())
        }
        self.perform(actions, deliverOutbox: firstBatch)
        for resume in producersToResume { resume() }
    }

    /// Outbox items taken for delivery, with the delegates they go to.
    private typealias OutboxBatch = (items: [OutboxItem], delegates: [QueueStateMachine.ConsumerID: any ConsumerDelegate])

    /// Takes everything in the outbox. Lock must be held.
    private func takeOutbox() -> OutboxBatch {
        var items: [OutboxItem] = []
        swap(&items, &self.outbox)
        return (items, self.delegates)
    }

    private func perform(_ actions: QueueStateMachine.Actions, deliverOutbox firstBatch: OutboxBatch?) {
        if !actions.storeOperations.isEmpty {
            let logger = self.services.logger
            let queueName = self.name
            // Removals and delivery counts: nobody waits for them, so they may ride on the next
            // commit that has to be made (a crash before it redelivers, as at-least-once allows).
            self.services.store.submit(actions.storeOperations, deferrable: true) { result in
                if case .failure(let error) = result {
                    logger.error("queue store update failed", metadata: ["outpost.queue": "\(queueName)", "outpost.error": "\(error)"])
                }
            }
        }
        if let firstBatch {
            self.deliverOutbox(startingWith: firstBatch)
        }
        if !actions.expired.isEmpty {
            self.services.router?.expired(actions.expired, from: self)
        }
        if !actions.deadLettered.isEmpty {
            self.services.router?.deadLettered(actions.deadLettered, from: self)
        }
        if let request = actions.pageIn {
            self.pageIn(request)
        }
        for request in actions.scans {
            self.scan(request)
        }
        if actions.spaceAvailable {
            let waiters = self.lock.withLock {
                guard !self.state.isFull else { return [@Sendable () -> Void]() }
                defer { self.spaceWaiters.removeAll() }
                return self.spaceWaiters
            }
            for waiter in waiters { waiter() }
        }
    }

    /// Hands the outbox to delegates in order, even when several threads produce
    /// deliveries: the thread that found the outbox idle becomes the deliverer and keeps
    /// going until it is empty; the others only append to it.
    private func deliverOutbox(startingWith firstBatch: OutboxBatch) {
        var next: OutboxBatch? = firstBatch
        while let batch = next {
            for item in batch.items {
                switch item {
                case .deliveries(let consumer, let deliveries):
                    batch.delegates[consumer]?.deliver(deliveries)
                case .drained(let consumer, let unused):
                    batch.delegates[consumer]?.drained(unusedCredit: unused)
                }
            }
            next = self.lock.withLock {
                guard !self.outbox.isEmpty else {
                    self.isDeliveringOutbox = false
                    return nil
                }
                return self.takeOutbox()
            }
        }
    }

    /// Reads the next window page, off the caller's thread.
    private func pageIn(_ request: QueueStateMachine.PageRequest) {
        self.readPage(after: request.after, maxCount: request.maxCount, maxBytes: request.maxBytes, purpose: "page-in") { state, page, now in
            state.pageLoaded(page, generation: request.generation, now: now)
        } failed: { state in
            state.pageFailed()
        }
    }

    /// Reads entries beyond the window for a filtered consumer, off the caller's thread.
    private func scan(_ request: QueueStateMachine.ScanRequest) {
        self.readPage(after: request.after, maxCount: request.maxCount, maxBytes: request.maxBytes, purpose: "scan") { state, page, now in
            state.scanLoaded(page, for: request.consumer, generation: request.generation, now: now)
        } failed: { state in
            state.scanFailed(for: request.consumer)
        }
    }

    /// Reads entries of this queue on the thread pool and feeds the page (or the failure) to the state machine.
    private func readPage(
        after: EntryKey?,
        maxCount: Int,
        maxBytes: Int,
        purpose: String,
        loaded: @escaping @Sendable (inout QueueStateMachine, StorePage, Int64) -> QueueStateMachine.Actions,
        failed: @escaping @Sendable (inout QueueStateMachine) -> Void
    ) {
        let store = self.services.store
        let queueID = self.id
        self.services.threadPool.submit { [self] _ in
            do {
                let page = try store.read { reader in
                    try reader.page(of: queueID, after: after, maxCount: maxCount, maxBytes: maxBytes)
                }
                let now = self.services.clock.now()
                self.mutate { loaded(&$0, page, now) }
            } catch {
                self.services.logger.error("queue \(purpose) failed", metadata: ["outpost.queue": "\(self.name)", "outpost.error": "\(error)"])
                self.lock.withLock { failed(&self.state) }
            }
        }
    }
}
