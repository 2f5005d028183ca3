/// A JMS message selector (JMS 2.0 §3.8.1), as AMQP clients send it in the `apache.org:selector-filter:string`
/// filter: parsed once, then matched against the properties of each message.
///
/// ```swift
/// let selector = try MessageSelector("color = 'red' AND weight > 2.5")
/// if selector.matches(properties) { deliver() }
/// ```
///
/// Parsing is bounded: text longer than `maximumLength` bytes of UTF-8 or nested deeper than
/// `maximumNestingDepth` is a syntax error. Matching never traps, and takes time linear in the size of the
/// selector except for LIKE, which is at most the product of pattern and value lengths.
public struct MessageSelector: Sendable, Hashable, CustomStringConvertible {
    /// The longest selector accepted, in bytes of UTF-8.
    public static let maximumLength = 65_536
    /// The deepest nesting of parentheses and unary operators (NOT, +, -) accepted.
    public static let maximumNestingDepth = 64

    /// The text as given to `init`.
    public let text: String
    /// Every identifier the selector reads, so a caller can fetch only those properties or headers.
    public let referencedIdentifiers: Set<String>
    private let expression: SelectorExpression

    public init(_ text: String) throws(SelectorSyntaxError) {
        if let position = Self.positionBeyondMaximumLength(of: text) {
            throw SelectorSyntaxError("selector longer than \(Self.maximumLength) bytes", at: position)
        }
        var parser = try SelectorParser(text, maximumNestingDepth: Self.maximumNestingDepth)
        self.expression = try parser.parseSelector()
        self.referencedIdentifiers = parser.identifiers
        self.text = text
    }

    /// True only when the selector is TRUE for these properties; FALSE and UNKNOWN (for example a comparison
    /// with an absent property) do not match.
    public func matches(_ properties: some SelectorPropertySource) -> Bool {
        self.expression.truth(in: properties) == true
    }

    public var description: String { self.text }

    /// Equal when the texts are the same Unicode scalars: canonically equivalent texts can select differently.
    public static func == (lhs: MessageSelector, rhs: MessageSelector) -> Bool {
        lhs.text.isScalarForScalarEqual(to: rhs.text)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.text.utf8.count)
        for byte in self.text.utf8 {
            hasher.combine(byte)
        }
    }

    /// The 1-based scalar position of the first scalar past the byte limit, or nil when the text fits.
    private static func positionBeyondMaximumLength(of text: String) -> Int? {
        guard text.utf8.count > Self.maximumLength else {
            return nil
        }
        var bytes = 0
        var position = 1
        for scalar in text.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > Self.maximumLength {
                return position
            }
            position += 1
        }
        return position
    }
}
