/// When the expiry timeout of a terminus starts counting (part 3.5.6). An open set of symbols.
public struct AMQPTerminusExpiryPolicy: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public static let linkDetach: Self = "link-detach"
    /// The spec's default.
    public static let sessionEnd: Self = "session-end"
    public static let connectionClose: Self = "connection-close"
    public static let never: Self = "never"
}
