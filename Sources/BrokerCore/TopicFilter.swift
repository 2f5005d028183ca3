/// An address pattern in MQTT syntax: `/`-separated levels, `+` matches one level,
/// a final `#` matches any number of levels (including none). Addresses starting
/// with `$` are not matched by a leading wildcard.
public struct TopicFilter: Hashable, Sendable, CustomStringConvertible {
    public let levels: [Substring]
    public let text: String

    public init(_ text: String) {
        self.text = text
        self.levels = text.split(separator: "/", omittingEmptySubsequences: false)
    }

    public var description: String { self.text }

    /// True when the pattern contains `+` or `#`.
    public var hasWildcards: Bool { self.levels.contains { $0 == "+" || $0 == "#" } }

    /// Whether the pattern is well formed: `#` only as the last level, wildcards alone in their level.
    public var isValid: Bool {
        for (index, level) in self.levels.enumerated() {
            if level == "#" && index != self.levels.count - 1 { return false }
            if level != "#" && level != "+" && (level.contains("#") || level.contains("+")) { return false }
        }
        return !self.text.isEmpty
    }

    public func matches(_ address: String) -> Bool {
        let addressLevels = address.split(separator: "/", omittingEmptySubsequences: false)
        if address.hasPrefix("$"), let first = self.levels.first, first == "+" || first == "#" { return false }
        var index = 0
        for level in self.levels {
            if level == "#" { return true }
            guard index < addressLevels.count else { return false }
            if level != "+" && level != addressLevels[index] { return false }
            index += 1
        }
        return index == addressLevels.count
    }
}
