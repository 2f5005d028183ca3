/// The reserved words of the selector language. They are case-insensitive and can never be identifiers.
enum SelectorKeyword: String, Sendable {
    case not = "NOT"
    case and = "AND"
    case or = "OR"
    case between = "BETWEEN"
    case like = "LIKE"
    case `in` = "IN"
    case `is` = "IS"
    case null = "NULL"
    case escape = "ESCAPE"
    case `true` = "TRUE"
    case `false` = "FALSE"

    /// The longest keyword, so that longer words are rejected before they are upper-cased.
    private static let maximumLength = 7

    /// The keyword spelled by `word` in any ASCII letter case, or nil for an identifier.
    init?(word: String) {
        guard word.utf8.count <= Self.maximumLength else {
            return nil
        }
        // ASCII-only upper-casing: `ın` (dotless i) must stay an identifier, as in Java's selector parsers.
        let upper = String(decoding: word.utf8.map { ($0 >= 0x61 && $0 <= 0x7A) ? $0 - 0x20 : $0 }, as: UTF8.self)
        self.init(rawValue: upper)
    }
}
