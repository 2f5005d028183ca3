import MessageSelector

/// Properties of one message for tests: identifiers missing from the dictionary are NULL.
struct DictionaryPropertySource: SelectorPropertySource {
    var values: [String: SelectorValue]

    init(_ values: [String: SelectorValue] = [:]) {
        self.values = values
    }

    func selectorValue(for identifier: String) -> SelectorValue? {
        self.values[identifier]
    }
}
