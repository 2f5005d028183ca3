/// One entry of a SUBSCRIBE payload: a topic filter and its options.
public struct MQTTSubscription: Hashable, Sendable {
    /// May contain wildcards; syntax is checked with ``MQTTTopic/isValidFilter(_:)`` by the engine.
    public var topicFilter: String
    public var options: MQTTSubscriptionOptions

    public init(topicFilter: String, options: MQTTSubscriptionOptions) {
        self.topicFilter = topicFilter
        self.options = options
    }
}
