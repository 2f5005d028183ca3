import MessageSelector
import Testing

/// SQL three-valued logic. `t` is TRUE, `f` is FALSE and `u` is absent, so UNKNOWN.
@Suite struct LogicTests {
    static let properties: [String: SelectorValue] = ["t": .boolean(true), "f": .boolean(false)]

    @Test(arguments: [
        ("t", "t", true), ("t", "f", false), ("t", "u", nil),
        ("f", "t", false), ("f", "f", false), ("f", "u", false),
        ("u", "t", nil), ("u", "f", false), ("u", "u", nil),
    ] as [(String, String, Bool?)])
    func andTruthTable(_ left: String, _ right: String, _ expected: Bool?) throws {
        #expect(try truth("\(left) AND \(right)", Self.properties) == expected)
    }

    @Test(arguments: [
        ("t", "t", true), ("t", "f", true), ("t", "u", true),
        ("f", "t", true), ("f", "f", false), ("f", "u", nil),
        ("u", "t", true), ("u", "f", nil), ("u", "u", nil),
    ] as [(String, String, Bool?)])
    func orTruthTable(_ left: String, _ right: String, _ expected: Bool?) throws {
        #expect(try truth("\(left) OR \(right)", Self.properties) == expected)
    }

    @Test func notTruthTable() throws {
        #expect(try truth("NOT t", Self.properties) == false)
        #expect(try truth("NOT f", Self.properties) == true)
        #expect(try truth("NOT u", Self.properties) == nil)
        #expect(try truth("NOT NOT u", Self.properties) == nil)
        #expect(try truth("NOT NOT t", Self.properties) == true)
    }

    @Test func longChainsKeepTheTruthTables() throws {
        #expect(try truth("t AND t AND u AND f", Self.properties) == false)
        #expect(try truth("t AND t AND u AND t", Self.properties) == nil)
        #expect(try truth("f OR f OR u OR t", Self.properties) == true)
        #expect(try truth("f OR u OR f", Self.properties) == nil)
    }

    @Test func andBindsTighterThanOrAndNotTighterThanAnd() throws {
        // f AND f OR t is (f AND f) OR t = TRUE; read as f AND (f OR t) it would be FALSE.
        #expect(try truth("f AND f OR t", Self.properties) == true)
        #expect(try truth("t OR t AND f", Self.properties) == true)
        #expect(try truth("f AND (f OR t)", Self.properties) == false)
        // NOT f AND f is (NOT f) AND f = FALSE.
        #expect(try truth("NOT f AND f", Self.properties) == false)
        // NOT applies to the whole comparison: NOT (n = 1).
        #expect(try truth("NOT n = 1", ["n": .integer(2)]) == true)
    }

    @Test func nonBooleanValuesAreUnknownAsConditions() throws {
        // A bare identifier cannot go through truth(): as a value, `(s) IS NULL` is about the property.
        #expect(try !matches("s", ["s": .string("true")]))
        #expect(try !matches("NOT s", ["s": .string("true")]))
        #expect(try truth("n AND t", ["n": .integer(1), "t": .boolean(true)]) == nil)
        #expect(try truth("n OR f", ["n": .integer(1), "f": .boolean(false)]) == nil)
    }
}
