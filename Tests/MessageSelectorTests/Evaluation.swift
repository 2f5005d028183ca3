import MessageSelector
import Testing

/// Whether `selector` matches a message with `properties`.
func matches(_ selector: String, _ properties: [String: SelectorValue] = [:]) throws -> Bool {
    try MessageSelector(selector).matches(DictionaryPropertySource(properties))
}

/// The three-valued result of a condition, read through the public API only: TRUE when it matches, FALSE when
/// its negation matches, nil (UNKNOWN) when neither does. It also checks `(condition) IS NULL` agrees.
func truth(_ condition: String, _ properties: [String: SelectorValue] = [:]) throws -> Bool? {
    let isTrue = try matches(condition, properties)
    let isFalse = try matches("NOT (\(condition))", properties)
    let isUnknown = try matches("(\(condition)) IS NULL", properties)
    #expect(!(isTrue && isFalse), "\(condition) is both TRUE and FALSE")
    #expect(isUnknown == (!isTrue && !isFalse), "\(condition): IS NULL disagrees")
    return isTrue ? true : (isFalse ? false : nil)
}

/// The error that parsing `selector` throws, or nil when it parses.
func syntaxError(_ selector: String) -> SelectorSyntaxError? {
    do {
        _ = try MessageSelector(selector)
        return nil
    } catch {
        return error
    }
}
