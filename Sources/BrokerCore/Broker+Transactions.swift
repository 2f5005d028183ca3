import BrokerStore

extension Broker {
    public func makeTransaction() -> BrokerTransaction {
        BrokerTransaction()
    }

    /// Commits `transaction`: every staged message is stored and every acknowledged delivery
    /// removed in one store commit, then the messages become visible and the other settlements
    /// apply. When anything fails (a full queue, a delivery no longer held by its consumer, the
    /// store) nothing takes effect: the transaction is rolled back and `completion` says why.
    /// Messages of a transaction are stored even when not durable, so the commit is all or nothing.
    public func commit(_ transaction: BrokerTransaction, completion: @escaping @Sendable (Result<Void, BrokerError>) -> Void) {
        guard let work = transaction.discharge() else {
            return completion(.failure(BrokerError(.invalidArgument, "the transaction was already discharged")))
        }
        let prepared: [PreparedMessage]
        do {
            prepared = try self.reserve(work.publishes)
        } catch {
            self.returnSettlements(work.settlements)
            return completion(.failure(error))
        }
        let claims: [ClaimedDeliveries]
        do {
            claims = try self.claimAcknowledged(work.settlements)
        } catch {
            self.cancel(prepared)
            self.returnSettlements(work.settlements.filter { $0.settlement != .acknowledge })
            return completion(.failure(error))
        }
        let others = work.settlements.filter { $0.settlement != .acknowledge }
        var operations: [StoreOperation] = prepared.map { .storeMessage($0.message, queues: $0.queues.map(\.id)) }
        for claim in claims {
            operations += claim.entries.filter(\.isStored).map { .removeEntry($0.key) }
        }
        guard !operations.isEmpty else {
            // Nothing to store: no message arrives, only the other settlements apply.
            self.applyCommitted(claims: claims, others: others)
            return completion(.success(()))
        }
        self.store.submit(operations) { result in
            switch result {
            case .success(let receipt):
                self.finishCommit(prepared: prepared, claims: claims, others: others, transactionID: receipt.transactionID) {
                    completion(.success(()))
                }
            case .failure(let error):
                self.cancel(prepared)
                for claim in claims { claim.queue.returnClaimed(claim.entries) }
                self.returnSettlements(others)
                completion(.failure(BrokerError(error.kind == .full ? .resourceLimitExceeded : .storeFailure, error.detail)))
            }
        }
    }

    /// Drops the staged messages; staged settlements give their deliveries back to the queues
    /// as counted attempts (in queue order, which is their original order).
    public func rollback(_ transaction: BrokerTransaction) {
        guard let work = transaction.discharge() else { return }
        self.returnSettlements(work.settlements)
    }

    // MARK: Steps

    struct PreparedMessage {
        var message: StoredMessage
        var queues: [Queue]
    }

    struct ClaimedDeliveries {
        var queue: Queue
        var entries: [QueueEntry]
    }

    /// Routes and reserves room for every staged message; on a refusal undoes what it reserved.
    private func reserve(_ publishes: [BrokerTransaction.StagedPublish]) throws(BrokerError) -> [PreparedMessage] {
        var prepared: [PreparedMessage] = []
        for publish in publishes {
            let candidates: [Queue]
            do {
                candidates = try self.queues(forPublishingTo: publish.message.address, autoCreateAs: publish.routingTypes)
            } catch {
                self.cancel(prepared)
                throw error
            }
            let message = self.storedMessage(for: publish.message)
            let queues = candidates.filter { $0.admits(message, publishedBy: publish.message.publisherConnection) }
            guard !queues.isEmpty else { continue }
            var reserved: [Queue] = []
            for queue in queues {
                switch queue.reserve(queue.entryKey(for: message), size: message.storedSize) {
                case .reserved:
                    reserved.append(queue)
                case .full(let policy):
                    for queue in reserved { queue.cancelReservation(queue.entryKey(for: message), size: message.storedSize) }
                    self.cancel(prepared)
                    throw BrokerError(.resourceLimitExceeded, "queue '\(queue.name)' is full (policy \(policy.rawValue))")
                }
            }
            prepared.append(PreparedMessage(message: message, queues: reserved))
        }
        return prepared
    }

    private func cancel(_ prepared: [PreparedMessage]) {
        for item in prepared {
            for queue in item.queues { queue.cancelReservation(queue.entryKey(for: item.message), size: item.message.storedSize) }
        }
    }

    /// Takes the acknowledged deliveries out of their queues, queue by queue; when one is no
    /// longer held (its consumer detached first) gives back what it took and fails.
    private func claimAcknowledged(_ settlements: [BrokerTransaction.StagedSettlement]) throws(BrokerError) -> [ClaimedDeliveries] {
        var keysByQueue: [QueueID: (queue: Queue, keys: [EntryKey])] = [:]
        for staged in settlements where staged.settlement == .acknowledge {
            keysByQueue[staged.consumer.queue.id, default: (staged.consumer.queue, [])].keys.append(staged.key)
        }
        var claims: [ClaimedDeliveries] = []
        for (queue, keys) in keysByQueue.values {
            guard let entries = queue.claimForTransaction(keys) else {
                for claim in claims { claim.queue.returnClaimed(claim.entries) }
                throw BrokerError(.invalidArgument, "a delivery acknowledged in the transaction is no longer held by its consumer (queue '\(queue.name)')")
            }
            claims.append(ClaimedDeliveries(queue: queue, entries: entries))
        }
        return claims
    }

    /// On the store's writer thread: the messages join the commit's arrivals; the settlements and
    /// `then` follow them.
    private func finishCommit(
        prepared: [PreparedMessage],
        claims: [ClaimedDeliveries],
        others: [BrokerTransaction.StagedSettlement],
        transactionID: Int,
        then: @escaping @Sendable () -> Void
    ) {
        for item in prepared {
            for queue in item.queues {
                let key = EntryKey(queue: queue.id, priority: item.message.priority, message: item.message.id)
                self.arrivals.add(QueueEntry(key: key, message: item.message, deliveryCount: 0, isStored: true), to: queue, commit: transactionID)
            }
        }
        self.arrivals.afterArrivals {
            self.applyCommitted(claims: claims, others: others)
            then()
        }
    }

    private func applyCommitted(claims: [ClaimedDeliveries], others: [BrokerTransaction.StagedSettlement]) {
        for claim in claims { claim.queue.transactionCommitted() }
        for staged in others {
            switch staged.settlement {
            case .acknowledge: break
            case .release(let countAttempt): staged.consumer.release(staged.key, countAttempt: countAttempt)
            case .reject: staged.consumer.reject(staged.key)
            }
        }
    }

    private func returnSettlements(_ settlements: [BrokerTransaction.StagedSettlement]) {
        for staged in settlements {
            staged.consumer.release(staged.key, countAttempt: true)
        }
    }
}
