import MQTTCodec
import Testing

@Suite struct MQTTTopicTests {
    // MQTT 5.0 section 4.7.1.
    @Test(arguments: ["#", "+", "a/#", "a/+/b", "+/+", "/", "a//b", "$SYS/#", "sport/tennis/+"])
    func validFilters(_ filter: String) {
        #expect(MQTTTopic.isValidFilter(filter))
    }

    @Test(arguments: ["", "a#", "a/#/b", "#/", "a+", "+a", "a/b+", "##"])
    func invalidFilters(_ filter: String) {
        #expect(!MQTTTopic.isValidFilter(filter))
    }

    @Test func wildcardsInNames() {
        #expect(MQTTTopic.containsWildcard("a/+"))
        #expect(MQTTTopic.containsWildcard("#"))
        #expect(!MQTTTopic.containsWildcard("a/b"))
    }
}
