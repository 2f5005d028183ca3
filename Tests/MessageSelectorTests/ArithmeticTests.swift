import MessageSelector
import Testing

@Suite struct ArithmeticTests {
    static let properties: [String: SelectorValue] = [
        "two": .integer(2), "three": .integer(3), "four": .integer(4), "half": .double(0.5),
        "max": .integer(Int64.max), "min": .integer(Int64.min), "zero": .integer(0), "zeroDouble": .double(0),
        "text": .string("5"), "flag": .boolean(true),
    ]

    @Test func precedenceAndAssociativity() throws {
        let properties = Self.properties
        #expect(try matches("two + three * four = 14", properties))
        #expect(try matches("(two + three) * four = 20", properties))
        #expect(try matches("four - three - two = -1", properties))
        #expect(try matches("four / two / two = 1", properties))
        #expect(try matches("four - two * three + four / two = 0", properties))
        #expect(try matches("-two * -three = 6", properties))
        #expect(try matches("- - two = 2", properties))
        #expect(try matches("+two = 2", properties))
        #expect(try matches("2 - -2 = 4", properties))
    }

    @Test func integerDivisionTruncatesTowardZero() throws {
        #expect(try matches("7 / 2 = 3"))
        #expect(try matches("-7 / 2 = -3"))
        #expect(try matches("7 / -2 = -3"))
    }

    @Test func mixedOperandsPromoteToDouble() throws {
        #expect(try matches("three * half = 1.5", Self.properties))
        #expect(try matches("three / 2.0 = 1.5", Self.properties))
        #expect(try matches("three + half > three", Self.properties))
    }

    /// Integer overflow wraps as Java's long arithmetic does; it must never trap.
    @Test func integerOverflowWraps() throws {
        #expect(try matches("max + 1 = min", Self.properties))
        #expect(try matches("min - 1 = max", Self.properties))
        #expect(try matches("max * 2 = -2", Self.properties))
        #expect(try matches("min / -1 = min", Self.properties))
        #expect(try matches("-min = min", Self.properties))
    }

    @Test func divisionByZeroIsUnknown() throws {
        #expect(try truth("three / zero = 0", Self.properties) == nil)
        #expect(try truth("three / 0 > 0", Self.properties) == nil)
        #expect(try truth("half / zeroDouble > 0", Self.properties) == nil)
        #expect(try truth("three / 0.0 > 0", Self.properties) == nil)
        #expect(try truth("0 / three = 0", Self.properties) == true)
    }

    @Test func nonNumericOrNullOperandsAreUnknown() throws {
        #expect(try truth("text + 1 = 6", Self.properties) == nil)
        #expect(try truth("flag * 1 = 1", Self.properties) == nil)
        #expect(try truth("-text = -5", Self.properties) == nil)
        #expect(try truth("+flag = 1", Self.properties) == nil)
        #expect(try truth("missing + 1 = 1", Self.properties) == nil)
        #expect(try truth("1 + missing * 0 = 1", Self.properties) == nil)
        #expect(try matches("(missing + 1) IS NULL", Self.properties))
    }
}
