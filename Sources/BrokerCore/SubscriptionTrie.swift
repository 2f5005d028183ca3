/// Wildcard bindings indexed by level, so matching an address costs its depth times
/// the branches that really match, not the number of bindings.
struct SubscriptionTrie<Value: Hashable> {
    private final class Node {
        var children: [Substring: Node] = [:]
        var singleLevel: Node?
        var multiLevel: Set<Value> = []
        var values: Set<Value> = []

        var isEmpty: Bool {
            self.children.isEmpty && self.singleLevel == nil && self.multiLevel.isEmpty && self.values.isEmpty
        }
    }

    private var root = Node()
    private(set) var count = 0

    mutating func insert(_ value: Value, for filter: TopicFilter) {
        var node = self.root
        for level in filter.levels {
            switch level {
            case "#":
                if node.multiLevel.insert(value).inserted { self.count += 1 }
                return
            case "+":
                let next = node.singleLevel ?? Node()
                node.singleLevel = next
                node = next
            default:
                let next = node.children[level] ?? Node()
                node.children[level] = next
                node = next
            }
        }
        if node.values.insert(value).inserted { self.count += 1 }
    }

    mutating func remove(_ value: Value, for filter: TopicFilter) {
        if Self.remove(value, levels: filter.levels[...], from: self.root) {
            self.count -= 1
        }
    }

    /// Removes along the path and prunes nodes left empty. Returns whether it removed.
    private static func remove(_ value: Value, levels: ArraySlice<Substring>, from node: Node) -> Bool {
        guard let level = levels.first else {
            return node.values.remove(value) != nil
        }
        switch level {
        case "#":
            return node.multiLevel.remove(value) != nil
        case "+":
            guard let next = node.singleLevel else { return false }
            let removed = Self.remove(value, levels: levels.dropFirst(), from: next)
            if next.isEmpty { node.singleLevel = nil }
            return removed
        default:
            guard let next = node.children[level] else { return false }
            let removed = Self.remove(value, levels: levels.dropFirst(), from: next)
            if next.isEmpty { node.children[level] = nil }
            return removed
        }
    }

    /// Every value whose filter matches `address` (MQTT rules, `$` addresses excluded from leading wildcards).
    ///
    /// Runs on every publish: without wildcard bindings it returns at once, and it walks the
    /// address's levels in place rather than splitting it into an array of substrings.
    func matches(_ address: String, into result: inout [Value]) {
        guard self.count > 0 else { return }
        let isSystem = address.utf8.first == UInt8(ascii: "$")
        Self.collect(address[...], node: self.root, isFirstLevel: true, isSystem: isSystem, into: &result)
    }

    /// `remaining` is the address from the current level on; nil once every level was consumed.
    private static func collect(
        _ remaining: Substring?,
        node: Node,
        isFirstLevel: Bool,
        isSystem: Bool,
        into result: inout [Value]
    ) {
        let wildcardsAllowed = !(isFirstLevel && isSystem)
        if wildcardsAllowed {
            result.append(contentsOf: node.multiLevel)
        }
        guard let remaining else {
            result.append(contentsOf: node.values)
            return
        }
        // The current level and what follows its separator ("a/" is "a" then one empty level).
        let level: Substring
        let rest: Substring?
        if let separator = remaining.utf8.firstIndex(of: UInt8(ascii: "/")) {
            level = remaining[..<separator]
            rest = remaining[remaining.utf8.index(after: separator)...]
        } else {
            level = remaining
            rest = nil
        }
        if let next = node.children[level] {
            Self.collect(rest, node: next, isFirstLevel: false, isSystem: isSystem, into: &result)
        }
        if wildcardsAllowed, let next = node.singleLevel {
            Self.collect(rest, node: next, isFirstLevel: false, isSystem: isSystem, into: &result)
        }
    }
}
