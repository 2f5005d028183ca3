import BrokerStore

/// Decides whether a consumer or a subscription takes a message: a JMS selector from an AMQP
/// receiver, for example. The core only asks yes or no; reading the message's properties out of
/// its protocol encoding is the front end's business.
///
/// `matches` runs with a queue's lock held, on whatever thread produced the event (a producer's
/// store commit, a page read, a consumer's settlement): it must be quick, never block and never
/// call back into the broker.
public protocol MessageFilter: Sendable {
    func matches(_ message: StoredMessage) -> Bool
}

/// What a subscription stores by: the selector's text, kept with the queue's definition, and the
/// filter that evaluates it.
public struct SubscriptionSelector: Sendable {
    public var text: String
    public var filter: any MessageFilter

    public init(text: String, filter: any MessageFilter) {
        self.text = text
        self.filter = filter
    }
}

/// Makes the filter for a selector text that a subscription was created with, so a durable
/// subscription keeps storing only matching messages after a restart; nil when the text is not
/// understood (the subscription then stores everything and says so in the log).
public typealias MessageFilterFactory = @Sendable (String) -> (any MessageFilter)?
