import BrokerCore
import NIOCore

/// The consumer delegate of one subscription: hands deliveries to the connection's event loop in
/// the order the queue made them, never calling back into the queue synchronously.
///
/// A queue often calls `deliver` with one message at a time (a publisher's connection routes each
/// PUBLISH as it decodes it); the inbox batches them, so the connection encodes, flushes and
/// settles a burst at once instead of hopping, writing and flushing per message.
final class MQTTConsumerBridge: ConsumerDelegate {
    private let inbox: EventLoopInbox<Delivery>

    init(handler: NIOLoopBound<MQTTChannelHandler>, subscriptionID: Int) {
        self.inbox = EventLoopInbox(eventLoop: handler.eventLoop) { deliveries in
            handler.value.deliveriesArrived(subscriptionID: subscriptionID, deliveries)
        }
    }

    func deliver(_ deliveries: [Delivery]) {
        self.inbox.append(contentsOf: deliveries)
    }
}
