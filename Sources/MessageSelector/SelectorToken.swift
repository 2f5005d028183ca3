/// One lexical unit of a selector and where it starts.
struct SelectorToken: Sendable {
    enum Kind: Sendable {
        case identifier(String)
        case keyword(SelectorKeyword)
        /// The value of a quoted literal, with `''` already turned into `'`.
        case string(String)
        /// An exact numeric literal without its sign. The magnitude can be 2^63, which only fits after a minus.
        case integer(magnitude: UInt64)
        case double(Double)
        case symbol(SelectorSymbol)
        case endOfSelector
    }

    var kind: Kind
    /// 1-based offset of the first Unicode scalar of the token.
    var position: Int

    /// How an error message names this token: `'AND'`, `')'`, `end of selector`.
    var quoted: String {
        switch self.kind {
        case .identifier(let name):
            return "identifier '\(name)'"
        case .keyword(let keyword):
            return "'\(keyword.rawValue)'"
        case .string:
            return "a string literal"
        case .integer, .double:
            return "a number"
        case .symbol(let symbol):
            return "'\(symbol.rawValue)'"
        case .endOfSelector:
            return "end of selector"
        }
    }
}
