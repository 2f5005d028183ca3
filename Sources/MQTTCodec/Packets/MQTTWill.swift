import NIOCore

/// The message a server publishes when the client goes away without a clean DISCONNECT
/// (MQTT 5.0 section 3.1.2.5 and 3.1.3.2-3.1.3.4).
public struct MQTTWill: Hashable, Sendable {
    public var topicName: String
    public var payload: ByteBuffer
    public var qos: MQTTQoS
    public var retain: Bool
    /// MQTT 5.0 will properties (Will Delay Interval, Message Expiry Interval, ...).
    public var properties: MQTTProperties

    public init(
        topicName: String,
        payload: ByteBuffer,
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        properties: MQTTProperties = .none
    ) {
        self.topicName = topicName
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}
