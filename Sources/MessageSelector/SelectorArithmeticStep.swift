/// One `op operand` link of an arithmetic chain such as `a + b - c`.
struct SelectorArithmeticStep: Sendable {
    var `operator`: SelectorArithmeticOperator
    var operand: SelectorExpression
}
