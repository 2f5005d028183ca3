import BrokerStore

/// Acknowledgments and returned consumer credit gathered while the uplink handles one burst
/// of peer outcomes (one AMQP disposition settles hundreds of transfers), so that they reach
/// the forwarding queue as one `Consumer.settle` (one queue event, one store submission),
/// instead of two queue events and one store submission per message.
///
/// Only those two actions are gathered. The uplink applies the batch before any other action
/// (a credit reset, a release, a disconnect), so the queue sees everything in the order the
/// state machine decided it.
struct UplinkSettlementBatch {
    private(set) var acknowledged: [EntryKey] = []
    private(set) var credit = 0

    var isEmpty: Bool { self.acknowledged.isEmpty && self.credit == 0 }

    /// Takes `action` into the batch when it is one that can wait; false for every other action.
    mutating func gather(_ action: UplinkStateMachine.Action) -> Bool {
        switch action {
        case .acknowledge(let keys):
            self.acknowledged.append(contentsOf: keys)
            return true
        case .addConsumerCredit(let credit):
            self.credit += credit
            return true
        case .connect, .scheduleReconnect, .cancelReconnect, .disconnect, .setConsumerCredit, .send,
            .scheduleSendRetry, .release, .deadLetter:
            return false
        }
    }

    /// Empties the batch and returns what it held.
    mutating func take() -> (acknowledged: [EntryKey], credit: Int) {
        defer {
            self.acknowledged.removeAll(keepingCapacity: true)
            self.credit = 0
        }
        return (self.acknowledged, self.credit)
    }
}
