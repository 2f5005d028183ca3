/// Recursive-descent parser for JMS 2.0 §3.8.1.1 message selectors.
///
/// Precedence, lowest first: OR; AND; NOT; comparisons and BETWEEN, IN, LIKE, IS NULL (one per operand, not
/// chained); binary + and -; * and /; unary + and -. Parentheses and unary operators count towards the nesting
/// limit, so the recursion here and the tree it builds are bounded whatever the input.
struct SelectorParser {
    private var lexer: SelectorLexer
    private var current: SelectorToken
    private var nestingDepth = 0
    private let maximumNestingDepth: Int
    /// Every identifier seen, in the order of no importance.
    private(set) var identifiers: Set<String> = []

    init(_ text: String, maximumNestingDepth: Int) throws(SelectorSyntaxError) {
        var lexer = SelectorLexer(text)
        self.current = try lexer.nextToken()
        self.lexer = lexer
        self.maximumNestingDepth = maximumNestingDepth
    }

    /// The whole selector, which must be a condition.
    mutating func parseSelector() throws(SelectorSyntaxError) -> SelectorExpression {
        if case .endOfSelector = self.current.kind {
            throw SelectorSyntaxError("empty selector", at: self.current.position)
        }
        let start = self.current.position
        let expression = try self.parseOr()
        guard case .endOfSelector = self.current.kind else {
            throw self.unexpected(expecting: "end of selector")
        }
        try self.require(expression, at: start, is: .condition)
        return expression
    }

    // MARK: - Conditions

    private mutating func parseOr() throws(SelectorSyntaxError) -> SelectorExpression {
        let start = self.current.position
        let first = try self.parseAnd()
        guard self.isAt(.or) else {
            return first
        }
        try self.require(first, at: start, is: .condition)
        var operands = [first]
        while self.isAt(.or) {
            try self.advance()
            let operandStart = self.current.position
            let operand = try self.parseAnd()
            try self.require(operand, at: operandStart, is: .condition)
            operands.append(operand)
        }
        return .or(operands)
    }

    private mutating func parseAnd() throws(SelectorSyntaxError) -> SelectorExpression {
        let start = self.current.position
        let first = try self.parseNot()
        guard self.isAt(.and) else {
            return first
        }
        try self.require(first, at: start, is: .condition)
        var operands = [first]
        while self.isAt(.and) {
            try self.advance()
            let operandStart = self.current.position
            let operand = try self.parseNot()
            try self.require(operand, at: operandStart, is: .condition)
            operands.append(operand)
        }
        return .and(operands)
    }

    private mutating func parseNot() throws(SelectorSyntaxError) -> SelectorExpression {
        guard self.isAt(.not) else {
            return try self.parseComparison()
        }
        try self.enterNesting()
        try self.advance()
        let operandStart = self.current.position
        let operand = try self.parseNot()
        try self.require(operand, at: operandStart, is: .condition)
        self.nestingDepth -= 1
        return .not(operand)
    }

    /// An arithmetic expression, optionally followed by one comparison or predicate.
    private mutating func parseComparison() throws(SelectorSyntaxError) -> SelectorExpression {
        let start = self.current.position
        let left = try self.parseAdditive()
        if let comparison = self.comparisonOperator() {
            try self.advance()
            let right = try self.parseAdditive()
            if self.comparisonOperator() != nil {
                throw SelectorSyntaxError(
                    "comparisons cannot be chained; use parentheses and AND",
                    at: self.current.position
                )
            }
            return .comparison(comparison, left, right)
        }
        guard case .keyword(let keyword) = self.current.kind else {
            return left
        }
        switch keyword {
        case .not:
            try self.advance()
            guard case .keyword(let negated) = self.current.kind,
                negated == .between || negated == .in || negated == .like
            else {
                throw self.unexpected(expecting: "'BETWEEN', 'IN' or 'LIKE' after 'NOT'")
            }
            return try self.parsePredicate(negated, on: left, at: start, negated: true)
        case .between, .in, .like:
            return try self.parsePredicate(keyword, on: left, at: start, negated: false)
        case .is:
            try self.advance()
            let negated = self.isAt(.not)
            if negated {
                try self.advance()
            }
            try self.expect(.null)
            return .isNull(left, negated: negated)
        case .and, .or, .null, .escape, .true, .false:
            return left
        }
    }

    /// BETWEEN, IN or LIKE after its left operand; `keyword` is the current token.
    private mutating func parsePredicate(
        _ keyword: SelectorKeyword,
        on left: SelectorExpression,
        at start: Int,
        negated: Bool
    ) throws(SelectorSyntaxError) -> SelectorExpression {
        switch keyword {
        case .between:
            try self.require(left, at: start, is: .numeric)
            try self.advance()
            let lowerStart = self.current.position
            let lower = try self.parseAdditive()
            try self.require(lower, at: lowerStart, is: .numeric)
            try self.expect(.and)
            let upperStart = self.current.position
            let upper = try self.parseAdditive()
            try self.require(upper, at: upperStart, is: .numeric)
            return .between(left, lower: lower, upper: upper, negated: negated)
        case .in:
            try self.require(left, at: start, is: .string)
            try self.advance()
            return .inList(left, try self.parseInList(), negated: negated)
        case .like:
            try self.require(left, at: start, is: .string)
            try self.advance()
            return .like(left, try self.parseLikePattern(), negated: negated)
        case .not, .and, .or, .is, .null, .escape, .true, .false:
            preconditionFailure("parsePredicate called for '\(keyword.rawValue)'")
        }
    }

    /// `( 'literal' [, 'literal']… )`: JMS allows only string literals here.
    private mutating func parseInList() throws(SelectorSyntaxError) -> SelectorStringSet {
        try self.expect(.openParenthesis)
        var literals: [String] = []
        repeat {
            if !literals.isEmpty {
                try self.advance()
            }
            literals.append(try self.expectStringLiteral(for: "IN list entry"))
        } while self.isAt(.comma)
        try self.expect(.closeParenthesis)
        return SelectorStringSet(literals)
    }

    /// `'pattern' [ESCAPE 'c']`, compiled here so that evaluation never looks at the pattern text again.
    private mutating func parseLikePattern() throws(SelectorSyntaxError) -> SelectorLikePattern {
        let patternPosition = self.current.position
        let pattern = try self.expectStringLiteral(for: "LIKE pattern")
        var escape: Unicode.Scalar? = nil
        if self.isAt(.escape) {
            try self.advance()
            let escapePosition = self.current.position
            let escapeText = try self.expectStringLiteral(for: "ESCAPE character")
            let scalars = escapeText.unicodeScalars
            guard let only = scalars.first, scalars.count == 1 else {
                throw SelectorSyntaxError("ESCAPE must be exactly one character", at: escapePosition)
            }
            escape = only
        }
        do {
            return try SelectorLikePattern(pattern, escape: escape)
        } catch {
            switch error {
            case .endsWithEscape:
                throw SelectorSyntaxError("LIKE pattern ends with its escape character", at: patternPosition)
            }
        }
    }

    // MARK: - Arithmetic

    private mutating func parseAdditive() throws(SelectorSyntaxError) -> SelectorExpression {
        let start = self.current.position
        let first = try self.parseMultiplicative()
        var rest: [SelectorArithmeticStep] = []
        while let arithmetic = self.arithmeticOperator(), arithmetic == .add || arithmetic == .subtract {
            if rest.isEmpty {
                try self.require(first, at: start, is: .numeric)
            }
            try self.advance()
            let operandStart = self.current.position
            let operand = try self.parseMultiplicative()
            try self.require(operand, at: operandStart, is: .numeric)
            rest.append(SelectorArithmeticStep(operator: arithmetic, operand: operand))
        }
        return rest.isEmpty ? first : .arithmetic(first: first, rest: rest)
    }

    private mutating func parseMultiplicative() throws(SelectorSyntaxError) -> SelectorExpression {
        let start = self.current.position
        let first = try self.parseUnary()
        var rest: [SelectorArithmeticStep] = []
        while let arithmetic = self.arithmeticOperator(), arithmetic == .multiply || arithmetic == .divide {
            if rest.isEmpty {
                try self.require(first, at: start, is: .numeric)
            }
            try self.advance()
            let operandStart = self.current.position
            let operand = try self.parseUnary()
            try self.require(operand, at: operandStart, is: .numeric)
            rest.append(SelectorArithmeticStep(operator: arithmetic, operand: operand))
        }
        return rest.isEmpty ? first : .arithmetic(first: first, rest: rest)
    }

    private mutating func parseUnary() throws(SelectorSyntaxError) -> SelectorExpression {
        guard case .symbol(let sign) = self.current.kind, sign == .minus || sign == .plus else {
            return try self.parsePrimary()
        }
        try self.enterNesting()
        try self.advance()
        defer { self.nestingDepth -= 1 }
        if sign == .minus, case .integer(let magnitude) = self.current.kind {
            // Folded before the range check so that -9223372036854775808 (magnitude 2^63) can be written.
            try self.advance()
            return .literal(.integer(Int64(truncatingIfNeeded: 0 &- magnitude)))
        }
        let operandStart = self.current.position
        let operand = try self.parseUnary()
        try self.require(operand, at: operandStart, is: .numeric)
        switch (sign, operand) {
        case (.minus, .literal(.integer(let value))):
            return .literal(.integer(0 &- value))
        case (.minus, .literal(.double(let value))):
            return .literal(.double(-value))
        case (.minus, _):
            return .negate(operand)
        case (_, .literal):
            return operand
        case (_, _):
            return .unaryPlus(operand)
        }
    }

    private mutating func parsePrimary() throws(SelectorSyntaxError) -> SelectorExpression {
        let token = self.current
        switch token.kind {
        case .symbol(.openParenthesis):
            try self.enterNesting()
            try self.advance()
            let inner = try self.parseOr()
            try self.expect(.closeParenthesis)
            self.nestingDepth -= 1
            return inner
        case .identifier(let name):
            try self.advance()
            self.identifiers.insert(name)
            return .identifier(name)
        case .string(let value):
            try self.advance()
            return .literal(.string(value))
        case .integer(let magnitude):
            guard let value = Int64(exactly: magnitude) else {
                throw SelectorSyntaxError("numeric literal out of the range of a 64-bit integer", at: token.position)
            }
            try self.advance()
            return .literal(.integer(value))
        case .double(let value):
            try self.advance()
            return .literal(.double(value))
        case .keyword(.true):
            try self.advance()
            return .literal(.boolean(true))
        case .keyword(.false):
            try self.advance()
            return .literal(.boolean(false))
        case .keyword(.null):
            throw SelectorSyntaxError("NULL can only be used in IS NULL and IS NOT NULL", at: token.position)
        case .keyword, .symbol, .endOfSelector:
            throw self.unexpected(expecting: "an identifier, a literal or '('")
        }
    }

    // MARK: - Tokens

    private mutating func advance() throws(SelectorSyntaxError) {
        self.current = try self.lexer.nextToken()
    }

    private func isAt(_ keyword: SelectorKeyword) -> Bool {
        if case .keyword(let current) = self.current.kind {
            return current == keyword
        }
        return false
    }

    private func isAt(_ symbol: SelectorSymbol) -> Bool {
        if case .symbol(let current) = self.current.kind {
            return current == symbol
        }
        return false
    }

    private mutating func expect(_ keyword: SelectorKeyword) throws(SelectorSyntaxError) {
        guard self.isAt(keyword) else {
            throw self.unexpected(expecting: "'\(keyword.rawValue)'")
        }
        try self.advance()
    }

    private mutating func expect(_ symbol: SelectorSymbol) throws(SelectorSyntaxError) {
        guard self.isAt(symbol) else {
            throw self.unexpected(expecting: "'\(symbol.rawValue)'")
        }
        try self.advance()
    }

    private mutating func expectStringLiteral(for role: String) throws(SelectorSyntaxError) -> String {
        guard case .string(let value) = self.current.kind else {
            throw self.unexpected(expecting: "a string literal as \(role)")
        }
        try self.advance()
        return value
    }

    private func comparisonOperator() -> SelectorComparisonOperator? {
        guard case .symbol(let symbol) = self.current.kind else {
            return nil
        }
        switch symbol {
        case .equal: return .equal
        case .notEqual, .bangEqual: return .notEqual
        case .less: return .less
        case .lessOrEqual: return .lessOrEqual
        case .greater: return .greater
        case .greaterOrEqual: return .greaterOrEqual
        case .openParenthesis, .closeParenthesis, .comma, .plus, .minus, .times, .divide: return nil
        }
    }

    private func arithmeticOperator() -> SelectorArithmeticOperator? {
        guard case .symbol(let symbol) = self.current.kind else {
            return nil
        }
        switch symbol {
        case .plus: return .add
        case .minus: return .subtract
        case .times: return .multiply
        case .divide: return .divide
        case .openParenthesis, .closeParenthesis, .comma, .equal, .notEqual, .bangEqual, .less, .lessOrEqual,
            .greater, .greaterOrEqual:
            return nil
        }
    }

    private func unexpected(expecting expected: String) -> SelectorSyntaxError {
        SelectorSyntaxError("expected \(expected) but found \(self.current.quoted)", at: self.current.position)
    }

    // MARK: - Checks

    /// Called on '(' and on each unary NOT, + and -; the caller decrements when the nested part is parsed.
    private mutating func enterNesting() throws(SelectorSyntaxError) {
        self.nestingDepth += 1
        guard self.nestingDepth <= self.maximumNestingDepth else {
            throw SelectorSyntaxError(
                "selector nested deeper than \(self.maximumNestingDepth) levels",
                at: self.current.position
            )
        }
    }

    /// Rejects operands that can never have the type the operator needs; identifiers pass, being typed per message.
    private func require(
        _ expression: SelectorExpression,
        at position: Int,
        is expected: SelectorExpression.StaticType
    ) throws(SelectorSyntaxError) {
        let actual = expression.staticType
        if actual == expected || actual == .unknown {
            return
        }
        let description: String
        switch expected {
        case .condition: description = "a condition"
        case .numeric: description = "a numeric expression"
        case .string: description = "a string expression"
        case .unknown: description = "an expression"
        }
        throw SelectorSyntaxError("expected \(description)", at: position)
    }
}
