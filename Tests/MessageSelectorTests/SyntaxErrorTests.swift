import MessageSelector
import Testing

@Suite struct SyntaxErrorTests {
    /// (selector, 1-based position of the error, a fragment of the message)
    @Test(arguments: [
        ("a = ", 5, "expected an identifier, a literal or '(' but found end of selector"),
        ("a = 'x", 5, "unterminated string literal"),
        ("(a = 1", 7, "expected ')' but found end of selector"),
        ("a LIKE 'x' ESCAPE 'ab'", 19, "ESCAPE must be exactly one character"),
        ("", 1, "empty selector"),
        ("   ", 4, "empty selector"),
        ("a = 1 b", 7, "expected end of selector but found identifier 'b'"),
        ("a = 1)", 6, "expected end of selector but found ')'"),
        ("a AND 3", 7, "expected a condition"),
        ("3", 1, "expected a condition"),
        ("a + 1", 1, "expected a condition"),
        ("'x' + 1 = 2", 1, "expected a numeric expression"),
        ("a = -'x'", 6, "expected a numeric expression"),
        ("NOT 5", 5, "expected a condition"),
        ("(a = 1) + 1 = 2", 1, "expected a numeric expression"),
        ("a == 1", 4, "but found '='"),
        ("a # b", 3, "unexpected character '#'"),
        ("a ! b", 3, "unexpected character '!'"),
        ("a = b = c", 7, "comparisons cannot be chained"),
        ("a NOT NULL", 7, "expected 'BETWEEN', 'IN' or 'LIKE' after 'NOT'"),
        ("NULL IS NULL", 1, "NULL can only be used in IS NULL and IS NOT NULL"),
        ("a = 9223372036854775808", 5, "out of the range of a 64-bit integer"),
        ("a AND", 6, "but found end of selector"),
        ("a = 1 OR OR b", 10, "but found 'OR'"),
        ("a\u{0}= 1", 2, "unexpected character 'U+0'"),
    ])
    func errorPositionAndMessage(_ selector: String, _ position: Int, _ fragment: String) throws {
        let error = try #require(syntaxError(selector), "\(selector) parsed")
        #expect(error.position == position, "\(selector): \(error)")
        #expect(error.message.contains(fragment), "\(selector): \(error.message)")
        #expect(error.message.hasSuffix("at position \(position)"), "\(error.message)")
    }

    @Test func descriptionIncludesPosition() throws {
        let error = try #require(syntaxError("(a = 1"))
        #expect(error.message == "expected ')' but found end of selector at position 7")
        #expect(error.description.contains("position 7"))
    }

    @Test func whitespaceIsSpaceTabFormFeedAndLineBreaks() throws {
        #expect(try matches("a\t=\n1\r\nAND\u{0C}b = 2", ["a": .integer(1), "b": .integer(2)]))
        #expect(syntaxError("a\u{A0}= 1")?.position == 2)
    }

    /// Positions count Unicode scalars: not bytes (日 is three), not characters (é as e + U+0301 is two scalars).
    @Test func positionsCountUnicodeScalars() {
        #expect(syntaxError("'日本' = x y")?.position == 10)
        #expect(syntaxError("'e\u{301}' = x y")?.position == 10)
        #expect(syntaxError("'é' = x y")?.position == 9)
    }
}
