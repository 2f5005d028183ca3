/// The Subscription Options byte after each topic filter in SUBSCRIBE (MQTT 5.0 section 3.8.3.1;
/// in MQTT 3.1.1 section 3.8.3 only the QoS bits exist and the rest are reserved).
public struct MQTTSubscriptionOptions: Hashable, Sendable {
    /// The highest QoS the server may use for messages on this subscription.
    public var qos: MQTTQoS
    /// MQTT 5.0: do not send the client its own messages.
    public var noLocal: Bool
    /// MQTT 5.0: keep the RETAIN flag of forwarded messages as published.
    public var retainAsPublished: Bool
    /// MQTT 5.0: when to send retained messages.
    public var retainHandling: MQTTRetainHandling

    public init(
        qos: MQTTQoS,
        noLocal: Bool = false,
        retainAsPublished: Bool = false,
        retainHandling: MQTTRetainHandling = .sendOnSubscribe
    ) {
        self.qos = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling
    }
}

extension MQTTSubscriptionOptions {
    private static let qosMask: UInt8 = 0x03
    private static let noLocalBit: UInt8 = 0x04
    private static let retainAsPublishedBit: UInt8 = 0x08
    private static let retainHandlingShift: UInt8 = 4
    private static let retainHandlingMask: UInt8 = 0x30
    private static let reservedBitsV5: UInt8 = 0xC0
    private static let reservedBitsV3: UInt8 = 0xFC

    static func decode(
        _ byte: UInt8,
        version: MQTTProtocolVersion,
        reader: MQTTPacketReader
    ) throws(MQTTDecodingError) -> MQTTSubscriptionOptions {
        let field = "Subscription Options"
        let reserved = version == .v5 ? Self.reservedBitsV5 : Self.reservedBitsV3
        guard byte & reserved == 0 else {
            throw reader.error(.invalidSubscriptionOptions, field: field, detail: "reserved bits set")
        }
        guard let qos = MQTTQoS(rawValue: byte & Self.qosMask) else {
            throw reader.error(.invalidSubscriptionOptions, field: field, detail: "QoS 3")
        }
        let rawRetainHandling = (byte & Self.retainHandlingMask) >> Self.retainHandlingShift
        guard let retainHandling = MQTTRetainHandling(rawValue: rawRetainHandling) else {
            throw reader.error(.invalidSubscriptionOptions, field: field, detail: "Retain Handling 3")
        }
        return MQTTSubscriptionOptions(
            qos: qos,
            noLocal: byte & Self.noLocalBit != 0,
            retainAsPublished: byte & Self.retainAsPublishedBit != 0,
            retainHandling: retainHandling
        )
    }

    /// The options byte; MQTT 3.1.1 keeps only the QoS.
    func encoded(version: MQTTProtocolVersion) -> UInt8 {
        guard version == .v5 else {
            return self.qos.rawValue
        }
        var byte = self.qos.rawValue | self.retainHandling.rawValue << Self.retainHandlingShift
        if self.noLocal { byte |= Self.noLocalBit }
        if self.retainAsPublished { byte |= Self.retainAsPublishedBit }
        return byte
    }
}
