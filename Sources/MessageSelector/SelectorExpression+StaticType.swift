extension SelectorExpression {
    /// What an expression yields, as far as the parser can tell without a message. It lets the parser reject
    /// `a AND 3` or `'x' + 1` as syntax errors, as JMS's grammar does, while identifiers can be anything.
    enum StaticType: Sendable {
        /// Comparisons, logical operators, TRUE and FALSE.
        case condition
        case numeric
        case string
        /// Identifiers: the type is only known per message.
        case unknown
    }

    var staticType: StaticType {
        switch self {
        case .literal(.boolean):
            return .condition
        case .literal(.integer), .literal(.double):
            return .numeric
        case .literal(.string):
            return .string
        case .identifier:
            return .unknown
        case .negate, .unaryPlus, .arithmetic:
            return .numeric
        case .not, .and, .or, .comparison, .between, .inList, .like, .isNull:
            return .condition
        }
    }
}
