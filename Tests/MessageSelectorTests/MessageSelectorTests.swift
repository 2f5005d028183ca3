import MessageSelector
import Testing

@Suite struct MessageSelectorTests {
    @Test func keepsItsTextAsDescription() throws {
        let selector = try MessageSelector("  color = 'red'  ")
        #expect(selector.text == "  color = 'red'  ")
        #expect(selector.description == selector.text)
    }

    @Test func equalityFollowsTheTextScalarForScalar() throws {
        #expect(try MessageSelector("a = 1") == MessageSelector("a = 1"))
        #expect(try MessageSelector("a = 1") != MessageSelector("a=1"))
        #expect(try MessageSelector("s = 'é'") != MessageSelector("s = 'e\u{301}'"))
        let set: Set<MessageSelector> = [try MessageSelector("a = 1"), try MessageSelector("a = 1")]
        #expect(set.count == 1)
    }

    @Test func matchesOnlyWhenTrue() throws {
        let selector = try MessageSelector("weight > 2.5 AND color = 'red'")
        #expect(selector.matches(DictionaryPropertySource(["weight": .double(3), "color": .string("red")])))
        #expect(!selector.matches(DictionaryPropertySource(["weight": .double(2), "color": .string("red")])))
        #expect(!selector.matches(DictionaryPropertySource(["color": .string("red")])))
    }

    @Test func isSendableAcrossTasks() async throws {
        let selector = try MessageSelector("n > 10")
        let results = await withTaskGroup(of: Bool.self) { group in
            for value in [5, 50] {
                group.addTask { selector.matches(DictionaryPropertySource(["n": .integer(Int64(value))])) }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(Set(results) == [false, true])
    }
}
