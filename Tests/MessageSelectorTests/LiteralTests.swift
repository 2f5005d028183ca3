import MessageSelector
import Testing

@Suite struct LiteralTests {
    /// JMS §3.8.1.1 literal forms and the octal and hexadecimal forms ActiveMQ Artemis accepts, each compared with
    /// the value it must denote.
    @Test(arguments: [
        ("57", SelectorValue.integer(57)),
        ("-957", .integer(-957)),
        ("+62", .integer(62)),
        ("0", .integer(0)),
        ("017", .integer(15)),
        ("00", .integer(0)),
        ("0x1F", .integer(31)),
        ("0X1f", .integer(31)),
        ("10L", .integer(10)),
        ("10l", .integer(10)),
        ("0x10L", .integer(16)),
        ("9223372036854775807", .integer(Int64.max)),
        ("-9223372036854775808", .integer(Int64.min)),
        ("-0x8000000000000000", .integer(Int64.min)),
        ("0x7FFFFFFFFFFFFFFF", .integer(Int64.max)),
        ("7E3", .double(7000)),
        ("-57.9E2", .double(-5790)),
        ("7.", .double(7)),
        ("-95.7", .double(-95.7)),
        ("+6.2", .double(6.2)),
        (".5", .double(0.5)),
        ("5.5e-1", .double(0.55)),
        ("1E+2", .double(100)),
        ("1.5F", .double(1.5)),
        ("2D", .double(2)),
        ("3f", .double(3)),
        ("09.5", .double(9.5)),
        ("'it''s'", .string("it's")),
        ("''", .string("")),
        ("''''", .string("'")),
        ("'a\"b'", .string("a\"b")),
        ("'日本'", .string("日本")),
    ])
    func literalDenotesValue(_ literal: String, _ value: SelectorValue) throws {
        #expect(try matches("v = \(literal)", ["v": value]), "\(literal)")
    }

    @Test func integerAndDoubleLiteralsKeepTheirKind() throws {
        // 7 / 2 is integer division, 7. / 2 is not: the literal form decides the type.
        #expect(try matches("7 / 2 = 3"))
        #expect(try matches("7. / 2 = 3.5"))
        #expect(try matches("7E0 / 2 = 3.5"))
        #expect(try matches("0x7 / 2 = 3"))
    }

    @Test func booleanLiteralsAreCaseInsensitive() throws {
        #expect(try matches("TRUE"))
        #expect(try matches("tRuE"))
        #expect(try !matches("false"))
        #expect(try matches("NOT FaLsE"))
        #expect(try matches("flag = true", ["flag": .boolean(true)]))
    }

    @Test func keywordsAreCaseInsensitive() throws {
        let properties: [String: SelectorValue] = ["a": .integer(5), "s": .string("xy")]
        #expect(try matches("a between 1 and 9 AnD s like 'x%' oR s in ('q')", properties))
        #expect(try matches("b Is nUlL", properties))
        #expect(try matches("a NoT BeTwEeN 6 and 9", properties))
        #expect(try matches("s LIKE 'x!%' escape '!' or NOT s not in ('xy')", properties))
    }

    /// Exact literals outside a 64-bit integer, malformed numbers and infinite doubles are syntax errors at the
    /// literal's first character.
    @Test(arguments: [
        ("v = 9223372036854775808", 5),
        ("v = 99999999999999999999", 5),
        ("v = 0x10000000000000000", 5),
        ("v = 09", 5),
        ("v = 0x", 5),
        ("v = 1e", 5),
        ("v = 1E+", 5),
        ("v = 1e999", 5),
        ("v = -1e999", 6),
    ])
    func malformedNumbersAreSyntaxErrors(_ selector: String, _ position: Int) {
        #expect(syntaxError(selector)?.position == position, "\(selector)")
    }
}
