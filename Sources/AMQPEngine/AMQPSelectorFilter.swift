import BrokerCore
import BrokerStore
import MessageMapping
import MessageSelector

/// A consumer's or subscription's JMS selector, evaluated over a stored message of any origin
/// (see `SelectorMessageView` for what each identifier reads).
public struct AMQPSelectorFilter: MessageFilter {
    public let selector: MessageSelector

    public init(_ selector: MessageSelector) {
        self.selector = selector
    }

    public func matches(_ message: StoredMessage) -> Bool {
        self.selector.matches(SelectorMessageView(message))
    }

    /// Rebuilds a subscription's filter from the selector text it was created with.
    public static let factory: MessageFilterFactory = { text in
        (try? MessageSelector(text)).map(AMQPSelectorFilter.init)
    }
}
