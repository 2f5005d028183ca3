/// The string literals of an `IN (…)` list, looked up scalar for scalar like `=`.
struct SelectorStringSet: Sendable {
    /// Keyed by Swift's String equality, which can merge canonically equivalent literals under one key; each key
    /// keeps every literal it stands for so the exact check can pick among them.
    private let literalsByKey: [String: [String]]

    init(_ literals: [String]) {
        var literalsByKey: [String: [String]] = [:]
        for literal in literals {
            literalsByKey[literal, default: []].append(literal)
        }
        self.literalsByKey = literalsByKey
    }

    func contains(_ value: String) -> Bool {
        guard let candidates = self.literalsByKey[value] else {
            return false
        }
        return candidates.contains { $0.isScalarForScalarEqual(to: value) }
    }
}
