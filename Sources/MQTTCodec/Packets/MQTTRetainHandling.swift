/// Whether retained messages are sent when a subscription is made (MQTT 5.0 section 3.8.3.1).
public enum MQTTRetainHandling: UInt8, Hashable, Sendable, CaseIterable {
    case sendOnSubscribe = 0
    case sendOnNewSubscribeOnly = 1
    case doNotSend = 2
}
