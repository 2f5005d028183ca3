/// Binary arithmetic. Java numeric promotion: two integers give an integer, anything with a double gives a double.
enum SelectorArithmeticOperator: Sendable {
    case add
    case subtract
    case multiply
    case divide

    /// The result, or nil (UNKNOWN) when an operand is NULL or not numeric, or on division by zero.
    ///
    /// Integer overflow wraps, as Java's `long` arithmetic does (so `Long.MIN_VALUE / -1` is `Long.MIN_VALUE`);
    /// it never traps. Division by zero is UNKNOWN for doubles too, where Java would give an infinity or NaN.
    func apply(_ left: SelectorValue?, _ right: SelectorValue?) -> SelectorValue? {
        switch (left, right) {
        case (.integer(let left), .integer(let right)):
            return self.apply(left, right).map(SelectorValue.integer)
        case (.integer(let left), .double(let right)):
            return self.apply(Double(left), right).map(SelectorValue.double)
        case (.double(let left), .integer(let right)):
            return self.apply(left, Double(right)).map(SelectorValue.double)
        case (.double(let left), .double(let right)):
            return self.apply(left, right).map(SelectorValue.double)
        case (.integer, _), (.double, _), (.boolean, _), (.string, _), (nil, _):
            return nil
        }
    }

    private func apply(_ left: Int64, _ right: Int64) -> Int64? {
        switch self {
        case .add:
            return left &+ right
        case .subtract:
            return left &- right
        case .multiply:
            return left &* right
        case .divide:
            guard right != 0 else {
                return nil
            }
            // Truncates toward zero like Java; the only overflow, Int64.min / -1, wraps to Int64.min like Java.
            return left.dividedReportingOverflow(by: right).partialValue
        }
    }

    private func apply(_ left: Double, _ right: Double) -> Double? {
        switch self {
        case .add:
            return left + right
        case .subtract:
            return left - right
        case .multiply:
            return left * right
        case .divide:
            guard right != 0 else {
                return nil
            }
            return left / right
        }
    }
}
