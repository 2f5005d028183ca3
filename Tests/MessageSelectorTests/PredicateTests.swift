import MessageSelector
import Testing

/// IN, BETWEEN and IS NULL.
@Suite struct PredicateTests {
    @Test func inMatchesAnyListedString() throws {
        // JMS §3.8.1.2 examples.
        let selector = "Country IN ('UK', 'US', 'France')"
        #expect(try truth(selector, ["Country": .string("UK")]) == true)
        #expect(try truth(selector, ["Country": .string("Peru")]) == false)
        #expect(try truth("Country NOT IN ('UK', 'US', 'France')", ["Country": .string("UK")]) == false)
        #expect(try truth("Country NOT IN ('UK', 'US', 'France')", ["Country": .string("Peru")]) == true)
        #expect(try truth("Country IN ('single')", ["Country": .string("single")]) == true)
        #expect(try truth("Country IN ('it''s')", ["Country": .string("it's")]) == true)
    }

    @Test func inOnNullOrNonStringIsUnknown() throws {
        #expect(try truth("Country IN ('UK')") == nil)
        #expect(try truth("Country NOT IN ('UK')") == nil)
        #expect(try truth("n IN ('1')", ["n": .integer(1)]) == nil)
    }

    @Test func inComparesScalarForScalar() throws {
        #expect(try truth("s IN ('é', 'x')", ["s": .string("e\u{301}")]) == false)
        #expect(try truth("s IN ('e\u{301}', 'é')", ["s": .string("é")]) == true)
        #expect(try truth("s IN ('e\u{301}', 'é')", ["s": .string("e\u{301}")]) == true)
    }

    @Test func inListAcceptsOnlyStringLiterals() {
        #expect(syntaxError("a IN (1, 2)")?.position == 7)
        #expect(syntaxError("a IN ('x', b)")?.position == 12)
        #expect(syntaxError("a IN ()")?.position == 7)
        #expect(syntaxError("a IN 'x'")?.position == 6)
        #expect(syntaxError("a IN ('x'")?.position == 10)
        #expect(syntaxError("a IN ('x',)")?.position == 11)
    }

    @Test func betweenIsInclusive() throws {
        for (age, expected) in [(14, false), (15, true), (17, true), (19, true), (20, false)] {
            #expect(try truth("age BETWEEN 15 AND 19", ["age": .integer(Int64(age))]) == expected, "\(age)")
            #expect(try truth("age NOT BETWEEN 15 AND 19", ["age": .integer(Int64(age))]) == !expected, "\(age)")
        }
        #expect(try matches("d BETWEEN 1 AND 2.5", ["d": .double(2.5)]))
        #expect(try matches("n BETWEEN -1 - 1 AND 2 * 2", ["n": .integer(-2)]))
    }

    @Test func betweenWithNullIsUnknownUnlessTheOtherBoundDecides() throws {
        #expect(try truth("age BETWEEN 15 AND 19") == nil)
        #expect(try truth("age NOT BETWEEN 15 AND 19") == nil)
        // As age >= low AND age <= high: one FALSE comparison decides even when the other is UNKNOWN.
        #expect(try truth("age BETWEEN low AND 19", ["age": .integer(20)]) == false)
        #expect(try truth("age BETWEEN low AND 19", ["age": .integer(18)]) == nil)
        #expect(try truth("age NOT BETWEEN 15 AND high", ["age": .integer(10)]) == true)
        #expect(try truth("s BETWEEN 1 AND 2", ["s": .string("1")]) == nil)
    }

    @Test func betweenAndBindsBeforeLogicalAnd() throws {
        let properties: [String: SelectorValue] = ["a": .integer(2), "b": .integer(3)]
        #expect(try matches("a BETWEEN 1 AND 3 AND b = 3", properties))
        #expect(try !matches("a BETWEEN 1 AND 3 AND b = 4", properties))
        #expect(syntaxError("a BETWEEN 1 OR 3")?.position == 13)
        #expect(syntaxError("a BETWEEN 'x' AND 'y'")?.position == 11)
    }

    @Test func isNull() throws {
        let properties: [String: SelectorValue] = ["present": .string("")]
        #expect(try truth("present IS NULL", properties) == false)
        #expect(try truth("present IS NOT NULL", properties) == true)
        #expect(try truth("absent IS NULL", properties) == true)
        #expect(try truth("absent IS NOT NULL", properties) == false)
        #expect(try matches("NOT absent IS NOT NULL", properties))
        #expect(syntaxError("a IS 1")?.position == 6)
        #expect(syntaxError("a IS NOT 1")?.position == 10)
    }
}
