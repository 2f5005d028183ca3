import BrokerCore
import BrokerStore
import NIOCore

/// What the handler holds in the broker for one link.
enum AMQPLinkResources {
    /// A producer link: where its messages go.
    case producer(Producer)
    /// A consumer link: its consumer and what happens to the queue when the link goes.
    case consumer(ConsumerLink)
    /// A browsing link (distribution-mode copy): no consumer, a cursor over the queue.
    case browser(BrowserLink)

    struct Producer {
        /// nil: the anonymous relay (each message's `to`).
        var address: String?
        var autoCreateAs: AddressRecord.RoutingTypes
    }

    struct ConsumerLink {
        var consumer: Consumer
        var queue: Queue
        var lifetime: QueueLifetime
    }

    struct BrowserLink {
        var queue: Queue
        var cursor: AMQPBrowserStateMachine
        /// The next look for later arrivals; cancelled with the link.
        var pollTimer: Scheduled<Void>?
    }

    enum QueueLifetime {
        /// An anycast queue: it stays.
        case permanent
        /// A temporary queue (dynamic source, non-durable subscription): deleted with the link.
        case deleteWithLink
        /// A durable subscription: deleted by a closing detach, kept otherwise.
        case durableSubscription
    }
}
