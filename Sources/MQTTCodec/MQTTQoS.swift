/// The delivery guarantee of a message (MQTT 5.0 section 4.3).
public enum MQTTQoS: UInt8, Hashable, Sendable, CaseIterable, Comparable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
