import BrokerCore
import NIOCore

/// Carries a queue's deliveries and drain reports to the connection's event loop, in order: every
/// call is queued with `execute`, even from the loop itself, so the handler is never re-entered.
final class AMQPConsumerBridge: ConsumerDelegate {
    private let linkID: AMQPLinkID
    private let handler: NIOLoopBound<AMQPChannelHandler>

    init(linkID: AMQPLinkID, handler: NIOLoopBound<AMQPChannelHandler>) {
        self.linkID = linkID
        self.handler = handler
    }

    func deliver(_ deliveries: [Delivery]) {
        let handler = self.handler
        let linkID = self.linkID
        handler.eventLoop.execute { handler.value.deliveriesArrived(linkID, deliveries) }
    }

    func drained(unusedCredit: Int) {
        let handler = self.handler
        let linkID = self.linkID
        handler.eventLoop.execute { handler.value.drainCompleted(linkID) }
    }
}
