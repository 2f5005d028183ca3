import MessageSelector
import Testing

/// Inputs that would overflow the stack or run long in a naive parser.
@Suite struct LimitTests {
    @Test func tenThousandOpenParenthesesIsASyntaxError() throws {
        let error = try #require(syntaxError(String(repeating: "(", count: 10_000)))
        #expect(error.position == MessageSelector.maximumNestingDepth + 1)
        #expect(error.message.contains("nested deeper"))
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let depth = MessageSelector.maximumNestingDepth
        let accepted = String(repeating: "(", count: depth) + "a = 1" + String(repeating: ")", count: depth)
        #expect(try matches(accepted, ["a": .integer(1)]))
        let rejected = "(" + accepted + ")"
        #expect(syntaxError(rejected)?.position == depth + 1)
    }

    @Test func unaryChainsCountTowardsTheLimit() {
        #expect(syntaxError(String(repeating: "NOT ", count: 10_000) + "a")?.position == 4 * 64 + 1)
        #expect(syntaxError("a = " + String(repeating: "-", count: 10_000) + "1")?.position == 4 + 65)
        #expect(syntaxError("a = " + String(repeating: "+ ", count: 10_000) + "1")?.position == 4 + 2 * 64 + 1)
        #expect(syntaxError(String(repeating: "(NOT ", count: 40) + "a")?.position == 5 * 32 + 1)
    }

    @Test func longFlatChainsEvaluateWithoutDeepRecursion() throws {
        // Thousands of operands: they sit in flat lists, not thousands of nested nodes.
        let disjunction = Array(repeating: "a = 2", count: 7_000).joined(separator: " OR ") + " OR a = 1"
        #expect(disjunction.utf8.count <= MessageSelector.maximumLength)
        #expect(try matches(disjunction, ["a": .integer(1)]))
        let sum = "a" + String(repeating: " + 1", count: 15_000) + " = 15001"
        #expect(try matches(sum, ["a": .integer(1)]))
        let conjunction = Array(repeating: "a = 1", count: 6_000).joined(separator: " AND ")
        #expect(conjunction.utf8.count <= MessageSelector.maximumLength)
        #expect(try matches(conjunction, ["a": .integer(1)]))
    }

    @Test func lengthLimitCountsUTF8Bytes() throws {
        let limit = MessageSelector.maximumLength
        let fitting = "s = '" + String(repeating: "x", count: limit - 6) + "'"
        #expect(fitting.utf8.count == limit)
        #expect(syntaxError(fitting) == nil)
        let tooLong = "s = '" + String(repeating: "x", count: limit - 5) + "'"
        #expect(syntaxError(tooLong)?.position == limit + 1)
        // Two bytes per scalar: the scalar that crosses the limit is number limit / 2 + 1.
        let wide = String(repeating: "é", count: limit / 2 + 1)
        #expect(syntaxError(wide)?.position == limit / 2 + 1)
    }
}
