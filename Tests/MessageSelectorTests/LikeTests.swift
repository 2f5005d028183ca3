import MessageSelector
import Testing

@Suite struct LikeTests {
    /// (pattern, value, matches)
    @Test(arguments: [
        // JMS §3.8.1.2 examples.
        ("'12%3'", "123", true),
        ("'12%3'", "12993", true),
        ("'12%3'", "1234", false),
        ("'l_se'", "lose", true),
        ("'l_se'", "loose", false),
        // Edge cases.
        ("''", "", true),
        ("''", "a", false),
        ("'%'", "", true),
        ("'%'", "anything", true),
        ("'%%'", "", true),
        ("'_'", "", false),
        ("'_'", "é", true),
        ("'__'", "é", false),
        ("'a%'", "a", true),
        ("'%a'", "ba", true),
        ("'%a'", "ab", false),
        ("'%a%b%'", "xxaxxbxx", true),
        ("'%a%b%'", "xxbxxaxx", false),
        ("'a_c%'", "abc", true),
        ("'abc'", "abcd", false),
        ("'abc'", "ABC", false),
        ("'.*'", "abc", false),
        ("'.*'", ".*", true),
        ("'it''s%'", "it's here", true),
        ("'%ab'", "aab", true),
        ("'%aab'", "aaab", true),
    ])
    func patterns(_ pattern: String, _ value: String, _ expected: Bool) throws {
        #expect(try truth("s LIKE \(pattern)", ["s": .string(value)]) == expected, "\(value) LIKE \(pattern)")
        #expect(try truth("s NOT LIKE \(pattern)", ["s": .string(value)]) == !expected, "\(value) NOT LIKE \(pattern)")
    }

    @Test func escapeCharacterMakesWildcardsLiteral() throws {
        #expect(try matches(#"s LIKE '\_%' ESCAPE '\'"#, ["s": .string("_foo")]))
        #expect(try !matches(#"s LIKE '\_%' ESCAPE '\'"#, ["s": .string("bar")]))
        #expect(try matches("s LIKE '100!%' ESCAPE '!'", ["s": .string("100%")]))
        #expect(try !matches("s LIKE '100!%' ESCAPE '!'", ["s": .string("1000")]))
        #expect(try matches("s LIKE 'a!!b' ESCAPE '!'", ["s": .string("a!b")]))
        // The escape can be a wildcard itself: '%%' then means a literal percent sign.
        #expect(try matches("s LIKE 'x%%' ESCAPE '%'", ["s": .string("x%")]))
        #expect(try !matches("s LIKE 'x%%' ESCAPE '%'", ["s": .string("xy")]))
        // Without ESCAPE, a backslash is an ordinary character.
        #expect(try matches(#"s LIKE '\%'"#, ["s": .string(#"\anything"#)]))
    }

    @Test func nullOrNonStringIsUnknown() throws {
        #expect(try truth("s LIKE '%'") == nil)
        #expect(try truth("s NOT LIKE '%'") == nil)
        #expect(try truth("n LIKE '1%'", ["n": .integer(12)]) == nil)
    }

    @Test func escapeErrors() {
        #expect(syntaxError("a LIKE 'x' ESCAPE 'ab'")?.position == 19)
        #expect(syntaxError("a LIKE 'x' ESCAPE ''")?.position == 19)
        #expect(syntaxError(#"a LIKE 'x\' ESCAPE '\'"#)?.position == 8)
        #expect(syntaxError("a LIKE 'x' ESCAPE")?.position == 18)
        #expect(syntaxError("a LIKE b")?.position == 8)
        #expect(syntaxError("1 LIKE '1'")?.position == 1)
    }

    /// Patterns that make backtracking regex engines exponential stay quick here (at most pattern × value steps).
    @Test func pathologicalPatternIsFast() throws {
        let pattern = String(repeating: "%a", count: 30) + "%b"
        let value = String(repeating: "a", count: 5_000)
        let selector = try MessageSelector("s LIKE '\(pattern)'")
        let properties = DictionaryPropertySource(["s": .string(value)])
        var matched = true
        let elapsed = ContinuousClock().measure {
            matched = selector.matches(properties)
        }
        #expect(!matched)
        #expect(elapsed < .seconds(5))
    }
}
