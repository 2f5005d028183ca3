/// The punctuation and operator tokens of the selector language.
enum SelectorSymbol: String, Sendable {
    case openParenthesis = "("
    case closeParenthesis = ")"
    case comma = ","
    case equal = "="
    /// `<>`, the JMS spelling.
    case notEqual = "<>"
    /// `!=`, accepted because ActiveMQ Artemis accepts it; it means the same as `<>`.
    case bangEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case plus = "+"
    case minus = "-"
    case times = "*"
    case divide = "/"
}
