/// SQL three-valued logic: a condition is TRUE (`true`), FALSE (`false`) or UNKNOWN (`nil`), and a value is a
/// `SelectorValue` or NULL (`nil`). An expression of the wrong type at run time (a string where a number is
/// needed, a number used as a condition) is NULL / UNKNOWN, never an error.
extension SelectorExpression {
    /// The expression as a value; conditions give `.boolean`, or NULL when UNKNOWN.
    func value(in source: some SelectorPropertySource) -> SelectorValue? {
        switch self {
        case .literal(let value):
            return value
        case .identifier(let name):
            return source.selectorValue(for: name)
        case .negate(let operand):
            switch operand.value(in: source) {
            case .integer(let value):
                // Wraps like Java: -Long.MIN_VALUE is Long.MIN_VALUE.
                return .integer(0 &- value)
            case .double(let value):
                return .double(-value)
            case .boolean, .string, nil:
                return nil
            }
        case .unaryPlus(let operand):
            switch operand.value(in: source) {
            case .integer(let value):
                return .integer(value)
            case .double(let value):
                return .double(value)
            case .boolean, .string, nil:
                return nil
            }
        case .arithmetic(let first, let rest):
            var result = first.value(in: source)
            for step in rest {
                guard result != nil else {
                    // NULL stays NULL whatever follows; the remaining operands have no side effects to run.
                    return nil
                }
                result = step.operator.apply(result, step.operand.value(in: source))
            }
            return result
        case .not, .and, .or, .comparison, .between, .inList, .like, .isNull:
            return self.truth(in: source).map(SelectorValue.boolean)
        }
    }

    /// The expression as a condition: TRUE, FALSE, or nil for UNKNOWN.
    func truth(in source: some SelectorPropertySource) -> Bool? {
        switch self {
        case .literal, .identifier:
            guard case .boolean(let value) = self.value(in: source) else {
                return nil
            }
            return value
        case .negate, .unaryPlus, .arithmetic:
            return nil
        case .not(let operand):
            return operand.truth(in: source).map { !$0 }
        case .and(let operands):
            // FALSE wins over UNKNOWN, UNKNOWN over TRUE.
            var sawUnknown = false
            for operand in operands {
                switch operand.truth(in: source) {
                case false?:
                    return false
                case nil:
                    sawUnknown = true
                case true?:
                    continue
                }
            }
            return sawUnknown ? nil : true
        case .or(let operands):
            // TRUE wins over UNKNOWN, UNKNOWN over FALSE.
            var sawUnknown = false
            for operand in operands {
                switch operand.truth(in: source) {
                case true?:
                    return true
                case nil:
                    sawUnknown = true
                case false?:
                    continue
                }
            }
            return sawUnknown ? nil : false
        case .comparison(let comparison, let left, let right):
            return comparison.compare(left.value(in: source), right.value(in: source))
        case .between(let operand, let lower, let upper, let negated):
            return Self.negate(Self.between(operand, lower, upper, in: source), if: negated)
        case .inList(let operand, let literals, let negated):
            guard case .string(let value) = operand.value(in: source) else {
                return nil
            }
            return literals.contains(value) != negated
        case .like(let operand, let pattern, let negated):
            guard case .string(let value) = operand.value(in: source) else {
                return nil
            }
            return pattern.matches(value) != negated
        case .isNull(let operand, let negated):
            return (operand.value(in: source) == nil) != negated
        }
    }

    /// `value >= lower AND value <= upper` with the value evaluated once. NOT BETWEEN is its negation, which by
    /// De Morgan is JMS's `value < lower OR value > upper`.
    private static func between(
        _ operand: SelectorExpression,
        _ lower: SelectorExpression,
        _ upper: SelectorExpression,
        in source: some SelectorPropertySource
    ) -> Bool? {
        let value = operand.value(in: source)
        let aboveLower = SelectorComparisonOperator.greaterOrEqual.compare(value, lower.value(in: source))
        if aboveLower == false {
            return false
        }
        let belowUpper = SelectorComparisonOperator.lessOrEqual.compare(value, upper.value(in: source))
        if belowUpper == false {
            return false
        }
        return (aboveLower == true && belowUpper == true) ? true : nil
    }

    private static func negate(_ truth: Bool?, if negated: Bool) -> Bool? {
        negated ? truth.map { !$0 } : truth
    }
}
