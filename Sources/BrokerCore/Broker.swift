import BrokerStore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The protocol-neutral broker: addresses, queues, routing and publishing.
///
/// Front ends translate their protocol onto this: a producer calls `publish`, a
/// consumer attaches to a queue found with `anycastQueue(for:)` or `subscribe(...)`.
public final class Broker: @unchecked Sendable {
    // @unchecked: `routing` is only accessed with `routingLock` held; everything
    // else is immutable or Sendable. The routing lock is never held while calling
    // into a queue, so the order is always routing lock → nothing.

    public let store: MessageStore
    public let configuration: BrokerConfiguration
    let services: BrokerServices
    private let routingLock = NIOLock()
    private var routing = RoutingTable()
    private let logger: Logger
    /// Entries each store commit made durable, handed to their queues once the commit's
    /// completions have run (writer thread only).
    let arrivals = CommitArrivals()

    /// Opens the broker over `store`, restoring every durable address and queue.
    public init(
        store: MessageStore,
        configuration: BrokerConfiguration = BrokerConfiguration(),
        threadPool: NIOThreadPool,
        clock: any BrokerClock = SystemClock(),
        logger: Logger = Logger(label: "outpost.broker"),
        filterFactory: MessageFilterFactory? = nil
    ) throws {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.services = BrokerServices(
            store: store,
            threadPool: threadPool,
            clock: clock,
            configuration: configuration,
            logger: logger,
            filterFactory: filterFactory
        )
        let (addresses, records) = try store.read { reader in (try reader.addresses(), try reader.queues()) }
        for address in addresses {
            self.routing.addresses[address.name, default: RoutingTable.AddressState(routingTypes: [])].routingTypes.formUnion(address.routingTypes)
        }
        for record in store.queues.values.sorted(by: { $0.id < $1.id }) where records.contains(where: { $0.id == record.id }) {
            let queue = Queue(record: record, policy: configuration.policy(for: record.address), services: self.services)
            self.routing.add(queue)
        }
        self.services.router = self
        let arrivals = self.arrivals
        store.afterEachCommit { arrivals.flush() }
        // Queues with a backlog start paging their first window in now, in the background.
        for queue in self.queues {
            queue.loadInitialWindow()
        }
    }

    public var clock: any BrokerClock { self.services.clock }

    // MARK: Lookup

    public var queues: [Queue] { self.routingLock.withLock { Array(self.routing.queuesByName.values) } }

    public func queue(named name: String) -> Queue? {
        self.routingLock.withLock { self.routing.queuesByName[name] }
    }

    public func queue(id: QueueID) -> Queue? {
        self.routingLock.withLock { self.routing.queuesByID[id] }
    }

    public struct AddressInfo: Sendable, Equatable {
        public var name: String
        public var routingTypes: AddressRecord.RoutingTypes
        public var queueNames: [String]
    }

    public var addresses: [AddressInfo] {
        self.routingLock.withLock {
            self.routing.addresses.map { name, state in
                AddressInfo(name: name, routingTypes: state.routingTypes, queueNames: self.routing.queuesByName.values.filter { $0.address == name }.map(\.name).sorted())
            }.sorted { $0.name < $1.name }
        }
    }

    public func policy(for address: String) -> AddressPolicy { self.configuration.policy(for: address) }

    // MARK: Addresses and queues

    /// Makes sure `address` exists with (at least) `routingTypes`, creating it when
    /// auto-create allows. Throws `addressNotFound` otherwise.
    public func ensureAddress(_ address: String, routingTypes: AddressRecord.RoutingTypes) throws {
        guard !address.isEmpty, TopicFilter(address).hasWildcards == false else {
            throw BrokerError(.invalidArgument, "invalid address name '\(address)'")
        }
        let record: AddressRecord? = try self.routingLock.withLock {
            if let state = self.routing.addresses[address] {
                if state.routingTypes.isSuperset(of: routingTypes) { return nil }
                guard self.configuration.autoCreateAddresses else {
                    throw BrokerError(.addressNotFound, "address '\(address)' does not support the requested routing type")
                }
                let merged = state.routingTypes.union(routingTypes)
                self.routing.addresses[address]?.routingTypes = merged
                return AddressRecord(name: address, routingTypes: merged)
            }
            guard self.configuration.autoCreateAddresses else {
                throw BrokerError(.addressNotFound, "address '\(address)' does not exist and auto-create is off")
            }
            self.routing.addresses[address] = RoutingTable.AddressState(routingTypes: routingTypes)
            return AddressRecord(name: address, routingTypes: routingTypes)
        }
        if let record {
            self.store.submit([.putAddress(record)]) { _ in }
        }
    }

    /// Creates a queue. The definition is submitted to the store ahead of any message
    /// for it (the writer keeps submission order), so no wait is needed.
    @discardableResult
    public func createQueue(
        name: String,
        address: String,
        routingType: QueueRecord.RoutingType,
        isDurable: Bool,
        filter: String? = nil,
        additionalBindings: [String] = [],
        selector: SubscriptionSelector? = nil
    ) throws -> Queue {
        let selectorText = selector?.text ?? ""
        let bindingFilter = filter ?? address
        for binding in [bindingFilter] + additionalBindings where !TopicFilter(binding).isValid {
            throw BrokerError(.invalidArgument, "invalid filter '\(binding)'")
        }
        if !TopicFilter(bindingFilter).hasWildcards || routingType == .anycast {
            try self.ensureAddress(address, routingTypes: routingType == .anycast ? .anycast : .multicast)
        }
        let queue: Queue = try self.routingLock.withLock {
            if let existing = self.routing.queuesByName[name] {
                guard existing.address == address, existing.routingType == routingType,
                    existing.bindings == [bindingFilter] + additionalBindings, existing.selector == selectorText
                else {
                    throw BrokerError(.alreadyExists, "queue '\(name)' exists on address '\(existing.address)' with another definition")
                }
                return existing
            }
            let record = QueueRecord(
                id: self.store.nextQueueID(),
                name: name,
                address: address,
                routingType: routingType,
                isDurable: isDurable,
                filter: bindingFilter,
                additionalBindings: additionalBindings,
                selector: selectorText
            )
            let queue = Queue(record: record, policy: self.configuration.policy(for: address), services: self.services, routingFilter: selector?.filter)
            self.routing.add(queue)
            // Submitted under the routing lock so creation order is store order.
            self.store.submit([.createQueue(record)]) { _ in }
            return queue
        }
        return queue
    }

    /// The anycast queue of `address` (named as the address), created when auto-create allows.
    public func anycastQueue(for address: String) throws -> Queue {
        if let queue = self.queue(named: address), queue.routingType == .anycast { return queue }
        try self.ensureAddress(address, routingTypes: .anycast)
        guard self.configuration.autoCreateQueues || self.queue(named: address) != nil else {
            throw BrokerError(.queueNotFound, "queue '\(address)' does not exist and auto-create is off")
        }
        return try self.createQueue(name: address, address: address, routingType: .anycast, isDurable: true)
    }

    /// A subscription queue bound to `filter` (an address or an MQTT-style pattern). With a
    /// `selector` it stores only the messages that match it.
    public func subscribe(queueName: String, filter: String, isDurable: Bool, selector: SubscriptionSelector? = nil) throws -> Queue {
        let pattern = TopicFilter(filter)
        guard pattern.isValid else { throw BrokerError(.invalidArgument, "invalid subscription filter '\(filter)'") }
        return try self.createQueue(name: queueName, address: filter, routingType: .multicast, isDurable: isDurable, filter: filter, selector: selector)
    }

    /// Deletes a queue with its messages; its consumers stop receiving.
    public func deleteQueue(named name: String) throws {
        let queue: Queue = try self.routingLock.withLock {
            guard let queue = self.routing.queuesByName[name] else {
                throw BrokerError(.queueNotFound, "queue '\(name)' does not exist")
            }
            self.routing.remove(queue)
            self.store.submit([.deleteQueue(queue.id)]) { _ in }
            return queue
        }
        _ = queue
    }

    // MARK: Publishing

    /// The queues a message to `address` goes to: its anycast queue and every
    /// multicast binding that matches, exact or wildcard.
    public func route(_ address: String) -> [Queue] {
        self.routingLock.withLock { self.routing.route(address) }
    }

    /// Stores and routes a message. `completion` runs once the message is durable in
    /// every queue it was routed to (at once for non-durable messages kept in memory),
    /// or with the reason it was refused. It may run on the store's writer thread.
    ///
    /// `additionalOperations` (front-end records such as MQTT QoS 2 packet-id state) commit in the
    /// same store transaction as the message, or on their own when the message is not stored
    /// (no matching queue, or kept in memory); `completion` then waits for that commit too.
    ///
    /// `onWindowFull`, for producers that can wait (an MQTT QoS 0 publisher): a non-durable message
    /// that a queue would page to the store only because its consumers have not yet taken what its
    /// window holds (`Queue.producerShouldWait`) is not published; `onWindowFull` gets that queue instead of `completion`, on the
    /// caller's thread, and the producer publishes again after `Queue.whenProducerMayGoOn` (or gives
    /// up waiting and publishes without it). Pacing a producer to its consumers costs nothing;
    /// paging costs a store write and a read per message and the memory of the messages on their
    /// way to the store.
    ///
    /// `earlyAdmissions`: a durable message that consumers get while its commit syncs (see
    /// `enqueue`) is handed to its queues when the caller calls `EarlyAdmissions.admit`, at the end
    /// of its read batch, instead of at once.
    public func publish(
        _ incoming: IncomingMessage,
        autoCreateAs routingTypes: AddressRecord.RoutingTypes = .anycast,
        additionalOperations: [StoreOperation] = [],
        onWindowFull: ((Queue) -> Void)? = nil,
        earlyAdmissions: EarlyAdmissions? = nil,
        completion: @escaping @Sendable (Result<Void, BrokerError>) -> Void
    ) {
        let finish = self.completion(committing: additionalOperations, then: completion)
        let candidates: [Queue]
        do {
            candidates = try self.queues(forPublishingTo: incoming.address, autoCreateAs: routingTypes)
        } catch {
            return finish(.failure(error))
        }
        let message = self.storedMessage(for: incoming)
        let queues = candidates.filter { $0.admits(message, publishedBy: incoming.publisherConnection) }
        guard !queues.isEmpty else {
            // A topic nobody subscribes to (or whose subscriptions select other messages):
            // accepted and dropped, as every broker does.
            return finish(.success(()))
        }
        if let onWindowFull, !message.isDurable, let full = queues.first(where: \.producerShouldWait) {
            return onWindowFull(full)
        }
        self.enqueue(message, in: queues, additionalOperations: additionalOperations, earlyAdmissions: earlyAdmissions, completion: finish.whenStored)
    }

    /// The queues a message published to `address` enters, creating the address (and, for anycast,
    /// its queue) on first use when auto-create allows. Empty for a topic nobody subscribes to.
    func queues(forPublishingTo address: String, autoCreateAs routingTypes: AddressRecord.RoutingTypes) throws(BrokerError) -> [Queue] {
        // A known address (every publish but the first) costs one routing-lock acquisition.
        let known = self.routingLock.withLock { () -> (AddressRecord.RoutingTypes, [Queue])? in
            guard let state = self.routing.addresses[address] else { return nil }
            return (state.routingTypes, self.routing.route(address))
        }
        let addressRoutingTypes: AddressRecord.RoutingTypes
        var queues: [Queue]
        if let (knownRoutingTypes, routed) = known {
            addressRoutingTypes = knownRoutingTypes
            queues = routed
        } else {
            do {
                try self.ensureAddress(address, routingTypes: routingTypes)
            } catch let error as BrokerError {
                throw error
            } catch {
                throw BrokerError(.invalidArgument, "\(error)")
            }
            addressRoutingTypes = routingTypes
            queues = self.route(address)
        }
        if addressRoutingTypes.contains(.anycast), !queues.contains(where: { $0.routingType == .anycast }) {
            // An anycast address gets its queue on first use (when auto-create allows).
            do {
                queues.append(try self.anycastQueue(for: address))
            } catch let error as BrokerError {
                throw error
            } catch {
                throw BrokerError(.invalidArgument, "\(error)")
            }
        }
        return queues
    }

    /// The stored form of a message: a new id, the address policy's defaults applied.
    func storedMessage(for incoming: IncomingMessage) -> StoredMessage {
        let policy = self.configuration.policy(for: incoming.address)
        let now = self.services.clock.now()
        return StoredMessage(
            id: self.store.nextMessageID(),
            address: incoming.address,
            priority: incoming.priority ?? policy.defaultPriority,
            isDurable: incoming.isDurable,
            expiration: incoming.expiration ?? policy.defaultTimeToLive.map { now + $0 },
            creationTime: now,
            origin: incoming.origin,
            body: incoming.body
        )
    }

    /// Pairs a completion with `operations` that must commit whether or not the message is stored:
    /// `whenStored` is for the path that puts them in the message's own submission; the plain
    /// `callAsFunction` (every other outcome) submits them alone first.
    private func completion(
        committing operations: [StoreOperation],
        then completion: @escaping @Sendable (Result<Void, BrokerError>) -> Void
    ) -> PublishCompletion {
        PublishCompletion(store: self.store, operations: operations, completion: completion)
    }

    private struct PublishCompletion: Sendable {
        let store: MessageStore
        let operations: [StoreOperation]
        let completion: @Sendable (Result<Void, BrokerError>) -> Void

        /// For `enqueue`, which commits `operations` with the message.
        var whenStored: @Sendable (Result<Void, BrokerError>) -> Void { self.completion }

        func callAsFunction(_ result: Result<Void, BrokerError>) {
            guard case .success = result, !self.operations.isEmpty else { return self.completion(result) }
            let completion = self.completion
            self.store.submit(self.operations) { stored in
                switch stored {
                case .success: completion(.success(()))
                case .failure(let error):
                    completion(.failure(BrokerError(error.kind == .full ? .resourceLimitExceeded : .storeFailure, error.detail)))
                }
            }
        }
    }

    /// Reserves room in every queue, stores the message when it must be stored, and
    /// hands the entry to each queue once durable.
    func enqueue(
        _ message: StoredMessage,
        in queues: [Queue],
        deliveryCount: UInt32 = 0,
        additionalOperations: [StoreOperation] = [],
        earlyAdmissions: EarlyAdmissions? = nil,
        completion: @escaping @Sendable (Result<Void, BrokerError>) -> Void
    ) {
        // Several queues, or a message likely kept in memory: one owned copy they all share,
        // rather than one per queue (see `owningItsBytes`).
        var shared = message
        if queues.count > 1 || !message.isDurable {
            shared.body = message.body.owningItsBytes()
        }
        let message = shared
        let size = message.storedSize
        // Durable, with nothing else riding on its commit: queues with room hand it to their
        // consumers while the commit syncs (claimed with the reservation, admitted once it is
        // submitted). The producer's acknowledgment still waits for the commit. A crash before it
        // may deliver a message the producer will send again, which at-least-once allows;
        // exactly-once state (QoS 2, transactions) travels as additional operations and keeps the wait.
        let earlyAdmission: Queue.EarlyAdmissionRequest =
            !message.isDurable ? .notDurable : additionalOperations.isEmpty ? .claimIfRoom : .wait
        var reserved: [Queue] = []
        var early: [Queue] = []
        reserved.reserveCapacity(queues.count)
        for queue in queues {
            switch queue.reserve(queue.entryKey(for: message), size: size, earlyAdmission: earlyAdmission) {
            case (.reserved, let claimedEarly):
                reserved.append(queue)
                if claimedEarly { early.append(queue) }
            case (.full(let policy), _):
                for queue in reserved {
                    let key = queue.entryKey(for: message)
                    if early.contains(where: { $0 === queue }) {
                        queue.earlyEntryWithdrawn(key, size: size)
                    } else {
                        queue.cancelReservation(key, size: size)
                    }
                }
                return completion(.failure(BrokerError(.resourceLimitExceeded, "queue '\(queue.name)' is full (policy \(policy.rawValue))")))
            }
        }
        var mustStore = reserved
        if !message.isDurable {
            // Each queue with room keeps it in memory only; the message is stored for the others.
            mustStore.removeAll { queue in
                queue.entryArrivedInMemory(QueueEntry(key: queue.entryKey(for: message), message: message, deliveryCount: deliveryCount, isStored: false))
            }
            if mustStore.isEmpty {
                guard !additionalOperations.isEmpty else { return completion(.success(())) }
                return self.store.submit(additionalOperations) { result in
                    completion(result.map { _ in () }.mapError { BrokerError($0.kind == .full ? .resourceLimitExceeded : .storeFailure, $0.detail) })
                }
            }
        }
        let targets = mustStore
        let admittedEarly = early
        // The queues that take the entry when its commit is done (the others have it already).
        let arriving = early.isEmpty ? targets : targets.filter { queue in !early.contains { $0 === queue } }
        // Entries claimed early and handed over at the end of the caller's read batch: the writer
        // is woken after that hand-over (`EarlyAdmissions.admit`). Woken now, it took the CPU from
        // this thread in the middle of the batch, and the consumers waited for it to stop.
        let wakesWriterLater = earlyAdmissions != nil && !early.isEmpty
        self.store.submit(
            [.storeMessage(message, queues: targets.map(\.id))] + additionalOperations,
            wakesWriter: !wakesWriterLater
        ) { result in
            switch result {
            case .success(let receipt):
                for queue in arriving {
                    let entry = QueueEntry(key: queue.entryKey(for: message), message: message, deliveryCount: deliveryCount, isStored: true)
                    self.arrivals.add(entry, to: queue, commit: receipt.transactionID)
                }
                self.arrivals.afterArrivals { completion(.success(())) }
            case .failure(let error):
                for queue in arriving { queue.cancelReservation(queue.entryKey(for: message), size: size) }
                for queue in admittedEarly { queue.earlyEntryWithdrawn(queue.entryKey(for: message), size: size) }
                let kind: BrokerError.Kind = error.kind == .full ? .resourceLimitExceeded : .storeFailure
                completion(.failure(BrokerError(kind, error.detail)))
            }
        }
        for queue in early {
            let entry = QueueEntry(key: queue.entryKey(for: message), message: message, deliveryCount: deliveryCount, isStored: true)
            if let earlyAdmissions {
                earlyAdmissions.add(entry, to: queue)  // admitted at the end of the caller's read batch
            } else {
                queue.earlyEntriesAdmitted([entry])
            }
        }
        if wakesWriterLater { earlyAdmissions?.wakeWriterAfterAdmitting(self.store) }
    }

    // MARK: Dead letters and expiry

    /// Entries past their delivery attempts or rejected go to the dead-letter address.
    func deadLettered(_ entries: [QueueEntry], from queue: Queue) {
        let policy = self.configuration.policy(for: queue.address)
        self.move(entries, from: queue, to: policy.deadLetterAddress, reason: "dead-letter")
    }

    func expired(_ entries: [QueueEntry], from queue: Queue) {
        let policy = self.configuration.policy(for: queue.address)
        self.move(entries, from: queue, to: policy.expiryAddress, reason: "expiry")
    }

    /// Moves entries to the anycast queue of `address` keeping the stored message,
    /// or removes them when there is no such address (or the entry came from it).
    private func move(_ entries: [QueueEntry], from source: Queue, to address: String?, reason: String) {
        let target: Queue? = address.flatMap { address in
            guard address != source.address else { return nil }
            return try? self.anycastQueue(for: address)
        }
        guard let target else {
            let removals = entries.filter(\.isStored).map { StoreOperation.removeEntry($0.key) }
            if !removals.isEmpty { self.store.submit(removals) { _ in } }
            self.logger.debug("messages dropped", metadata: ["outpost.queue": "\(source.name)", "outpost.reason": "\(reason)", "outpost.count": "\(entries.count)"])
            return
        }
        for entry in entries {
            var moved = entry
            moved.key = EntryKey(queue: target.id, priority: entry.key.priority, message: entry.message.id)
            // A dead-letter queue takes what it is given; limits apply to producers.
            _ = target.reserve(moved.key, size: entry.size)
            let arrival = moved
            if entry.isStored {
                self.store.submit([.moveEntry(entry.key, to: target.id, deliveryCount: entry.deliveryCount)]) { result in
                    if case .success(let receipt) = result {
                        self.arrivals.add(arrival, to: target, commit: receipt.transactionID)
                    } else {
                        target.cancelReservation(arrival.key, size: entry.size)
                    }
                }
            } else {
                target.entryArrived(moved, commit: 0)
            }
        }
    }

    /// Expires ready messages of every queue; the daemon calls this periodically.
    public func expireMessages() {
        for queue in self.queues {
            queue.expireMessages()
        }
    }
}
