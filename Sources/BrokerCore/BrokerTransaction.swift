import BrokerStore
import NIOConcurrencyHelpers

/// A local transaction (AMQP 1.0 local transactions): messages to publish and deliveries to
/// settle, staged until the broker commits them in one store commit — all durable together or
/// none — or rolls them back. Front ends stage from any thread.
public final class BrokerTransaction: Sendable {
    /// What a consumer decided for a delivery inside the transaction.
    public enum Settlement: Sendable, Equatable {
        case acknowledge
        /// Back to the queue; with `countAttempt` it counts toward max-delivery-attempts.
        case release(countAttempt: Bool)
        case reject
    }

    struct StagedPublish: Sendable {
        var message: IncomingMessage
        var routingTypes: AddressRecord.RoutingTypes
    }

    struct StagedSettlement: Sendable {
        var consumer: Consumer
        var key: EntryKey
        var settlement: Settlement
    }

    struct Work: Sendable {
        var publishes: [StagedPublish] = []
        var settlements: [StagedSettlement] = []
    }

    private enum State {
        case open(Work)
        case discharged
    }

    private let state = NIOLockedValueBox(State.open(Work()))

    init() {}

    /// Stages a message; it becomes visible only when the transaction commits. False once the
    /// transaction was committed or rolled back.
    @discardableResult
    public func stagePublish(_ message: IncomingMessage, autoCreateAs routingTypes: AddressRecord.RoutingTypes = .anycast) -> Bool {
        // Staged for as long as the transaction stays open: own the bytes (see `owningItsBytes`).
        var message = message
        message.body = message.body.owningItsBytes()
        return self.update { $0.publishes.append(StagedPublish(message: message, routingTypes: routingTypes)) }
    }

    /// Stages the settlement of a delivery `consumer` holds; it takes effect on commit, and on
    /// rollback the delivery returns to its queue as a counted attempt.
    @discardableResult
    public func stageSettlement(_ settlement: Settlement, of key: EntryKey, by consumer: Consumer) -> Bool {
        self.update { $0.settlements.append(StagedSettlement(consumer: consumer, key: key, settlement: settlement)) }
    }

    /// Messages and settlements staged so far.
    public var stagedCount: (publishes: Int, settlements: Int) {
        self.state.withLockedValue { state in
            switch state {
            case .open(let work): (work.publishes.count, work.settlements.count)
            case .discharged: (0, 0)
            }
        }
    }

    /// Ends the staging: the work to commit or roll back, once; nil when already discharged.
    func discharge() -> Work? {
        self.state.withLockedValue { state in
            switch state {
            case .open(let work):
                state = .discharged
                return work
            case .discharged:
                return nil
            }
        }
    }

    private func update(_ change: (inout Work) -> Void) -> Bool {
        self.state.withLockedValue { state in
            switch state {
            case .open(var work):
                change(&work)
                state = .open(work)
                return true
            case .discharged:
                return false
            }
        }
    }
}
