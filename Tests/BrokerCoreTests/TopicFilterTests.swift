import BrokerCore
import Testing

@Suite("Topic filters")
struct TopicFilterTests {
    @Test(arguments: [
        ("sensors/+/temp", "sensors/t1/temp", true),
        ("sensors/+/temp", "sensors/t1/humidity", false),
        ("sensors/+/temp", "sensors/a/b/temp", false),
        ("sensors/#", "sensors", true),
        ("sensors/#", "sensors/a/b/c", true),
        ("#", "anything/at/all", true),
        ("#", "$SYS/broker", false),
        ("+/broker", "$SYS/broker", false),
        ("$SYS/#", "$SYS/broker", true),
        ("a/b", "a/b", true),
        ("a/b", "a/b/c", false),
        ("+", "", true),
        ("a//b", "a//b", true),
    ])
    func matching(filter: String, address: String, expected: Bool) {
        #expect(TopicFilter(filter).matches(address) == expected)
    }

    @Test(arguments: [("a/#/b", false), ("a/b#", false), ("a+/b", false), ("", false), ("a/+/#", true), ("#", true)])
    func validity(filter: String, valid: Bool) {
        #expect(TopicFilter(filter).isValid == valid)
    }
}
