/// The MQTT protocol level carried in CONNECT (MQTT 3.1.1 section 3.1.2.2, MQTT 5.0 section 3.1.2.2).
public enum MQTTProtocolVersion: UInt8, Hashable, Sendable, CaseIterable {
    /// MQTT 3.1.1 (protocol level 4).
    case v3_1_1 = 4
    /// MQTT 5.0 (protocol level 5).
    case v5 = 5
}
