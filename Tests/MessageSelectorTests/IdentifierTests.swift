import MessageSelector
import Testing

@Suite struct IdentifierTests {
    @Test func identifiersAreCaseSensitive() throws {
        #expect(try matches("color = 'red'", ["color": .string("red")]))
        #expect(try truth("Color = 'red'", ["color": .string("red")]) == nil)
    }

    @Test func javaIdentifierCharactersAreAccepted() throws {
        let properties: [String: SelectorValue] = [
            "$cost": .integer(1), "_under": .integer(2), "café": .integer(3), "x9": .integer(4), "日本": .integer(5),
        ]
        #expect(try matches("$cost = 1 AND _under = 2 AND café = 3 AND x9 = 4 AND 日本 = 5", properties))
    }

    @Test func headerIdentifiersArePlainIdentifiersResolvedByTheSource() throws {
        let properties: [String: SelectorValue] = [
            "JMSPriority": .integer(7), "JMSDeliveryMode": .string("PERSISTENT"), "JMSType": .string("order"),
        ]
        #expect(try matches("JMSPriority > 4 AND JMSDeliveryMode = 'PERSISTENT' AND JMSType <> 'x'", properties))
        #expect(try truth("JMSCorrelationID = 'abc'", properties) == nil)
    }

    @Test func keywordsAndDottedNamesAreNotIdentifiers() {
        #expect(syntaxError("and = 1")?.position == 1)
        #expect(syntaxError("a = null")?.position == 5)
        #expect(syntaxError("escape = 'x'")?.position == 1)
        #expect(syntaxError("a.b = 1")?.position == 2)
        #expect(syntaxError("a = 1 OR in = 2")?.position == 10)
    }

    @Test func referencedIdentifiersListsEveryIdentifierOnce() throws {
        let selector = try MessageSelector("a = 1 OR (b LIKE 'x%' AND a > -c) OR d IS NULL OR e IN ('f') OR 'g' = h")
        #expect(selector.referencedIdentifiers == ["a", "b", "c", "d", "e", "h"])
        #expect(try MessageSelector("TRUE").referencedIdentifiers.isEmpty)
    }
}
