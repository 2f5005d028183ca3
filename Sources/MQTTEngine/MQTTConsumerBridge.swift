import BrokerCore
import NIOCore

/// The consumer delegate of one subscription: hops deliveries to the connection's event loop in the
/// order the queue made them (`execute` is FIFO), never calling back into the queue synchronously.
final class MQTTConsumerBridge: ConsumerDelegate {
    private let handler: NIOLoopBound<MQTTChannelHandler>
    private let subscriptionID: Int

    init(handler: NIOLoopBound<MQTTChannelHandler>, subscriptionID: Int) {
        self.handler = handler
        self.subscriptionID = subscriptionID
    }

    func deliver(_ deliveries: [Delivery]) {
        let handler = self.handler
        let subscriptionID = self.subscriptionID
        handler.eventLoop.execute {
            handler.value.deliveriesArrived(subscriptionID: subscriptionID, deliveries)
        }
    }
}
