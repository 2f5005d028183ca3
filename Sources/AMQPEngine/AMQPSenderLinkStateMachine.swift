import AMQPCodec
import BrokerCore
import BrokerStore

/// A link on which the broker sends and the peer receives (part 2.6): the peer's credit, the
/// delivery-count, drain.
struct AMQPSenderLinkStateMachine {
    enum State {
        /// Waiting for the broker to resolve the source.
        case resolving
        case attached
        case refused
    }

    let id: AMQPLinkID
    let name: String
    let handle: UInt32
    /// Deliveries go out settled: the peer asked for at most once (snd-settle-mode settled), or the
    /// link browses and the peer allows settled deliveries.
    let sendsSettled: Bool
    /// The link browses (source distribution-mode copy): its deliveries are copies, and the peer's
    /// outcomes for them change nothing in the queue.
    let isBrowsing: Bool
    var state: State = .resolving
    var deliveryCount: UInt32 = 0
    var linkCredit: UInt32 = 0
    /// A drain is in progress: when the broker reports it, the remaining credit is used up.
    var isDraining = false
    var nextDeliveryTag: UInt64 = 0

    init(id: AMQPLinkID, name: String, handle: UInt32, peerSettleMode: AMQPSenderSettleMode, isBrowsing: Bool = false) {
        self.id = id
        self.name = name
        self.handle = handle
        self.isBrowsing = isBrowsing
        switch peerSettleMode {
        case .settled: self.sendsSettled = true
        // A browser's copies need no outcome, so they go settled whenever the peer allows it.
        case .mixed: self.sendsSettled = isBrowsing
        case .unsettled: self.sendsSettled = false
        }
    }

    /// The snd-settle-mode the broker answers with in its attach.
    var settleMode: AMQPSenderSettleMode { self.sendsSettled ? .settled : .unsettled }

    /// The peer's flow: link-credit is relative to its view of the delivery-count (part 2.6.7).
    /// Returns the change of credit to pass to the consumer.
    mutating func flowReceived(deliveryCount peerDeliveryCount: UInt32?, linkCredit peerCredit: UInt32) -> Int {
        let base = peerDeliveryCount ?? 0
        // credit = delivery-count(rcv) + link-credit(rcv) - delivery-count(snd), in serial arithmetic.
        let limit = base &+ peerCredit
        let newCredit = Int32(bitPattern: limit &- self.deliveryCount)
        let credit = UInt32(max(0, newCredit))
        let delta = Int(credit) - Int(self.linkCredit)
        self.linkCredit = credit
        return delta
    }

    /// Takes one credit for a delivery; false when there is none (the delivery must go back).
    mutating func takeCredit() -> Bool {
        guard self.linkCredit > 0 else { return false }
        self.linkCredit -= 1
        self.deliveryCount &+= 1
        return true
    }

    mutating func makeDeliveryTag() -> UInt64 {
        defer { self.nextDeliveryTag &+= 1 }
        return self.nextDeliveryTag
    }

    /// The drain finished: unused credit is consumed by advancing the delivery-count.
    mutating func drainCompleted() {
        self.deliveryCount &+= self.linkCredit
        self.linkCredit = 0
        self.isDraining = false
    }
}
