/// What the payload of a message is (MQTT 5.0 section 3.3.2.3.2).
public enum MQTTPayloadFormatIndicator: UInt8, Hashable, Sendable {
    /// Unspecified bytes; the same as sending no indicator.
    case unspecifiedBytes = 0
    /// UTF-8 Encoded Character Data.
    case utf8 = 1
}
