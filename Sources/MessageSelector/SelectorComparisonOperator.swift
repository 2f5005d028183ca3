/// `=`, `<>` (also written `!=`), `<`, `<=`, `>`, `>=`.
enum SelectorComparisonOperator: Sendable {
    case equal
    case notEqual
    case less
    case lessOrEqual
    case greater
    case greaterOrEqual

    /// TRUE, FALSE, or nil for UNKNOWN.
    ///
    /// JMS §3.8.1.2: NULL on either side gives UNKNOWN; integers and doubles compare after Java numeric promotion
    /// (an integer becomes a double); strings and booleans allow only `=` and `<>`. The spec says that comparing
    /// values of different types is false; this gives UNKNOWN instead, so that `s <> 1` and `NOT (s = 1)` agree
    /// and neither matches. Ordering strings or booleans is UNKNOWN too.
    func compare(_ left: SelectorValue?, _ right: SelectorValue?) -> Bool? {
        switch (left, right) {
        case (.integer(let left), .integer(let right)):
            return self.holds(left, right)
        case (.integer(let left), .double(let right)):
            return self.holds(Double(left), right)
        case (.double(let left), .integer(let right)):
            return self.holds(left, Double(right))
        case (.double(let left), .double(let right)):
            return self.holds(left, right)
        case (.string(let left), .string(let right)):
            return self.equality(left.isScalarForScalarEqual(to: right))
        case (.boolean(let left), .boolean(let right)):
            return self.equality(left == right)
        case (.integer, _), (.double, _), (.string, _), (.boolean, _), (nil, _):
            return nil
        }
    }

    /// IEEE semantics for doubles: NaN is unequal to everything and unordered.
    private func holds<Value: Comparable>(_ left: Value, _ right: Value) -> Bool {
        switch self {
        case .equal: return left == right
        case .notEqual: return left != right
        case .less: return left < right
        case .lessOrEqual: return left <= right
        case .greater: return left > right
        case .greaterOrEqual: return left >= right
        }
    }

    private func equality(_ isEqual: Bool) -> Bool? {
        switch self {
        case .equal: return isEqual
        case .notEqual: return !isEqual
        case .less, .lessOrEqual, .greater, .greaterOrEqual: return nil
        }
    }
}
