/// Whether a source hands each message to one link or copies it to all (part 3.5.7). An open set.
public struct AMQPDistributionMode: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    /// Competing consumers: the message moves to one link (anycast).
    public static let move: Self = "move"
    /// Browsing or topic subscription: each link gets a copy (multicast).
    public static let copy: Self = "copy"
}
