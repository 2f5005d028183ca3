import AMQPCodec
import NIOCore

/// A link on which the peer sends and the broker receives (part 2.6): credit granted to the peer,
/// multi-frame reassembly, publishes in flight.
struct AMQPReceiverLinkStateMachine {
    enum State {
        /// Waiting for the broker to resolve the target.
        case resolving
        case attached(blocksWhenFull: Bool)
        /// The target was refused; the link is detached (its handle is free once the peer detaches).
        case refused
    }

    /// A delivery whose transfers announce `more`.
    struct PartialDelivery {
        var deliveryID: UInt32
        var settled: Bool
        var payload: ByteBuffer
        /// Set when the first transfer carries a transactional-state.
        var transactionID: ByteBuffer?
    }

    /// What a completed transfer means for the handler.
    enum TransferOutcome {
        case none
        case publish(deliveryID: UInt32, settled: Bool, message: ByteBuffer, transactionID: ByteBuffer?)
        case tooLarge(size: Int)
        case missingDeliveryID
    }

    let id: AMQPLinkID
    let name: String
    let handle: UInt32
    let maximumMessageSize: Int
    /// The credit the broker keeps open for the peer: messages received but not yet stored count
    /// against it, so a slow store pushes back on the producer.
    let creditWindow: UInt32
    var state: State = .resolving
    /// A link to the transaction coordinator: its messages are declares and discharges.
    var isCoordinator = false
    /// Counts deliveries the peer completed (the sender's delivery-count as the receiver tracks it).
    var deliveryCount: UInt32
    var linkCredit: UInt32 = 0
    /// Publishes handed to the broker that have not completed.
    var publishesInFlight = 0
    /// A capacity check is outstanding: no credit until it answers.
    var awaitingCapacity = false
    var partial: PartialDelivery?

    init(id: AMQPLinkID, name: String, handle: UInt32, initialDeliveryCount: UInt32, maximumMessageSize: Int, creditWindow: UInt32) {
        self.id = id
        self.name = name
        self.handle = handle
        self.deliveryCount = initialDeliveryCount
        self.maximumMessageSize = maximumMessageSize
        self.creditWindow = max(1, creditWindow)
    }

    /// One transfer frame. Continuations append to the partial delivery; the last frame completes it.
    mutating func transferReceived(_ transfer: AMQPTransfer, payload: ByteBuffer) -> TransferOutcome {
        if transfer.aborted {
            // Aborted: drop what was assembled; it never counts as a delivery (part 2.6.14).
            self.partial = nil
            return .none
        }
        var delivery: PartialDelivery
        if var partial = self.partial {
            var payload = payload
            guard partial.payload.readableBytes + payload.readableBytes <= self.maximumMessageSize else {
                self.partial = nil
                return .tooLarge(size: partial.payload.readableBytes + payload.readableBytes)
            }
            partial.payload.writeBuffer(&payload)
            if transfer.settled == true { partial.settled = true }
            delivery = partial
        } else {
            guard let deliveryID = transfer.deliveryID else { return .missingDeliveryID }
            guard payload.readableBytes <= self.maximumMessageSize else { return .tooLarge(size: payload.readableBytes) }
            var transactionID: ByteBuffer?
            if case .transactional(let state) = transfer.state { transactionID = state.transactionID }
            delivery = PartialDelivery(deliveryID: deliveryID, settled: transfer.settled ?? false, payload: payload, transactionID: transactionID)
        }
        if transfer.more {
            if self.partial == nil {
                // Own the bytes: the first frame's payload is a slice of a read buffer.
                var owned = ByteBuffer()
                owned.reserveCapacity(delivery.payload.readableBytes * 2)
                owned.writeImmutableBuffer(delivery.payload)
                delivery.payload = owned
            }
            self.partial = delivery
            return .none
        }
        self.partial = nil
        self.deliveryCount &+= 1
        self.linkCredit = self.linkCredit > 0 ? self.linkCredit - 1 : 0
        self.publishesInFlight += 1
        return .publish(deliveryID: delivery.deliveryID, settled: delivery.settled, message: delivery.payload, transactionID: delivery.transactionID)
    }

    mutating func publishCompleted() {
        self.publishesInFlight = max(0, self.publishesInFlight - 1)
    }

    /// Whether the peer should get more credit now (at most half the window left open).
    var wantsCredit: Bool {
        guard case .attached = self.state, !self.awaitingCapacity else { return false }
        let open = Int(self.linkCredit) + self.publishesInFlight
        return open <= Int(self.creditWindow) / 2
    }

    var blocksWhenFull: Bool {
        if case .attached(let blocks) = self.state { return blocks }
        return false
    }

    /// Tops the credit up to the window; returns the flow fields (delivery-count, link-credit) to send.
    mutating func grantCredit() -> (deliveryCount: UInt32, linkCredit: UInt32)? {
        let open = Int(self.linkCredit) + self.publishesInFlight
        guard open < Int(self.creditWindow) else { return nil }
        self.linkCredit = UInt32(Int(self.creditWindow) - self.publishesInFlight)
        return (self.deliveryCount, self.linkCredit)
    }
}
