/// A User Property: an application-defined UTF-8 name and value pair (MQTT 5.0 section 3.1.2.11.8).
/// Names may repeat; order is kept.
public struct MQTTUserProperty: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
