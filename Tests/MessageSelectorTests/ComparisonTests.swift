import MessageSelector
import Testing

@Suite struct ComparisonTests {
    @Test(arguments: [
        ("=", [false, true, false]),
        ("<>", [true, false, true]),
        ("!=", [true, false, true]),
        ("<", [true, false, false]),
        ("<=", [true, true, false]),
        (">", [false, false, true]),
        (">=", [false, true, true]),
    ])
    func numericOperators(_ symbol: String, _ expected: [Bool]) throws {
        // Compares 5 with 4, 5 and 6 as integers, as doubles and mixed.
        for (index, other) in [6, 5, 4].enumerated() {
            let outcome = expected[index]
            #expect(try truth("n \(symbol) \(other)", ["n": .integer(5)]) == outcome, "n \(symbol) \(other)")
            #expect(try truth("d \(symbol) \(other).0", ["d": .double(5)]) == outcome, "d \(symbol) \(other).0")
            #expect(try truth("n \(symbol) \(other).0", ["n": .integer(5)]) == outcome, "n \(symbol) \(other).0")
        }
    }

    @Test func integersPromoteToDoubleForComparison() throws {
        #expect(try matches("n = 1.0", ["n": .integer(1)]))
        #expect(try matches("d = 1", ["d": .double(1)]))
        #expect(try matches("d < 2", ["d": .double(1.5)]))
    }

    @Test func stringsCompareOnlyForEquality() throws {
        let properties: [String: SelectorValue] = ["s": .string("b")]
        #expect(try truth("s = 'b'", properties) == true)
        #expect(try truth("s <> 'b'", properties) == false)
        #expect(try truth("s = 'B'", properties) == false)
        #expect(try truth("s > 'a'", properties) == nil)
        #expect(try truth("s <= 'z'", properties) == nil)
    }

    @Test func stringEqualityIsScalarForScalar() throws {
        // Precomposed é and e + combining acute are different strings to JMS (Java compares chars).
        #expect(try truth("s = 'é'", ["s": .string("e\u{301}")]) == false)
        #expect(try truth("s = 'é'", ["s": .string("é")]) == true)
    }

    @Test func booleansCompareOnlyForEquality() throws {
        let properties: [String: SelectorValue] = ["flag": .boolean(true)]
        #expect(try truth("flag = TRUE", properties) == true)
        #expect(try truth("flag <> FALSE", properties) == true)
        #expect(try truth("flag = FALSE", properties) == false)
        #expect(try truth("flag > FALSE", properties) == nil)
        #expect(try truth("(1 = 1) = (2 = 2)") == true)
    }

    @Test func mismatchedTypesAreUnknown() throws {
        let properties: [String: SelectorValue] = ["s": .string("1"), "n": .integer(1), "flag": .boolean(true)]
        #expect(try truth("s = 1", properties) == nil)
        #expect(try truth("s <> 1", properties) == nil)
        #expect(try truth("n = '1'", properties) == nil)
        #expect(try truth("flag = 1", properties) == nil)
        #expect(try truth("flag = 'true'", properties) == nil)
    }

    @Test func nullComparesAsUnknown() throws {
        #expect(try truth("missing = 1") == nil)
        #expect(try truth("missing <> 1") == nil)
        #expect(try truth("'x' = missing") == nil)
        #expect(try truth("missing = other") == nil)
    }

    @Test func nanIsUnorderedAndUnequal() throws {
        let properties: [String: SelectorValue] = ["nan": .double(.nan)]
        #expect(try truth("nan = nan", properties) == false)
        #expect(try truth("nan <> nan", properties) == true)
        #expect(try truth("nan < 1", properties) == false)
    }
}
