/// Identifies a link for the lifetime of its connection. Handles are reused after a detach, so
/// broker callbacks (deliveries, publish completions) carry this id instead and are dropped when
/// it no longer names a live link.
public struct AMQPLinkID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public var description: String { "link-\(self.rawValue)" }
}
