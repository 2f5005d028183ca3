/// A parsed selector: built once by `SelectorParser`, then evaluated for each message.
///
/// Chains of AND, OR and of arithmetic at one precedence level are flat arrays, not nested nodes, so the depth of
/// the tree (and of evaluation's recursion, and of its deinitialisation) grows only with parentheses and unary
/// operators, which the parser limits.
indirect enum SelectorExpression: Sendable {
    case literal(SelectorValue)
    case identifier(String)
    case not(SelectorExpression)
    /// Two or more operands.
    case and([SelectorExpression])
    /// Two or more operands.
    case or([SelectorExpression])
    /// Unary minus on an operand that is not a literal (literals are folded by the parser).
    case negate(SelectorExpression)
    /// Unary plus on an operand that is not a literal: the operand, if it is numeric.
    case unaryPlus(SelectorExpression)
    /// `first op operand op operand …`, evaluated left to right.
    case arithmetic(first: SelectorExpression, rest: [SelectorArithmeticStep])
    case comparison(SelectorComparisonOperator, SelectorExpression, SelectorExpression)
    /// `value [NOT] BETWEEN lower AND upper`, which JMS defines as `value >= lower AND value <= upper`.
    case between(SelectorExpression, lower: SelectorExpression, upper: SelectorExpression, negated: Bool)
    case inList(SelectorExpression, SelectorStringSet, negated: Bool)
    case like(SelectorExpression, SelectorLikePattern, negated: Bool)
    case isNull(SelectorExpression, negated: Bool)
}
