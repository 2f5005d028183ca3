import BrokerCore
import BrokerStore
import Foundation
import NIOCore

/// A message as the API, `drain` and `data export` show it: the broker header plus the
/// message decoded according to the protocol it arrived with.
public struct MessageView: Codable, Sendable, Equatable {
    /// The store sequence number: unique in a node, increasing in arrival order.
    public var id: UInt64
    /// Where the message sits in its queue; pass it back to acknowledge (drain) or as `from` (browse).
    public var key: String?
    public var address: String
    public var priority: Int
    public var durable: Bool
    /// ms since 1970.
    public var creationTime: Int64
    /// ms since 1970; nil when the message never expires.
    public var expiration: Int64?
    public var deliveryCount: Int
    /// "core", "amqp" or "mqtt".
    public var origin: String
    /// Protocol headers and properties (AMQP header and properties section, MQTT properties).
    public var properties: [String: JSONValue]
    /// AMQP application-properties or MQTT 5 user properties.
    public var applicationProperties: [String: JSONValue]
    /// The payload: text when it is valid UTF-8, else base64 (then `bodyBase64` is true).
    public var body: String
    public var bodyBase64: Bool
    /// Set when the body could not be decoded for its protocol; `body` is then the stored bytes.
    public var decodeError: String?
    /// The stored bytes, base64, when asked for (`raw=1`): what `--format raw` and import use.
    public var raw: String?

    public init(
        id: UInt64,
        key: String?,
        address: String,
        priority: Int,
        durable: Bool,
        creationTime: Int64,
        expiration: Int64?,
        deliveryCount: Int,
        origin: String,
        properties: [String: JSONValue],
        applicationProperties: [String: JSONValue],
        body: String,
        bodyBase64: Bool,
        decodeError: String? = nil,
        raw: String? = nil
    ) {
        self.id = id
        self.key = key
        self.address = address
        self.priority = priority
        self.durable = durable
        self.creationTime = creationTime
        self.expiration = expiration
        self.deliveryCount = deliveryCount
        self.origin = origin
        self.properties = properties
        self.applicationProperties = applicationProperties
        self.body = body
        self.bodyBase64 = bodyBase64
        self.decodeError = decodeError
        self.raw = raw
    }

    enum CodingKeys: String, CodingKey {
        case id, key, address, priority, durable, creationTime, expiration, deliveryCount, origin
        case properties, applicationProperties, body, bodyBase64, decodeError, raw
    }

    /// As synthesized, except that `expiration` is always present (null: never expires).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encodeIfPresent(self.key, forKey: .key)
        try container.encode(self.address, forKey: .address)
        try container.encode(self.priority, forKey: .priority)
        try container.encode(self.durable, forKey: .durable)
        try container.encode(self.creationTime, forKey: .creationTime)
        try container.encode(self.expiration, forKey: .expiration)
        try container.encode(self.deliveryCount, forKey: .deliveryCount)
        try container.encode(self.origin, forKey: .origin)
        try container.encode(self.properties, forKey: .properties)
        try container.encode(self.applicationProperties, forKey: .applicationProperties)
        try container.encode(self.body, forKey: .body)
        try container.encode(self.bodyBase64, forKey: .bodyBase64)
        try container.encodeIfPresent(self.decodeError, forKey: .decodeError)
        try container.encodeIfPresent(self.raw, forKey: .raw)
    }

    /// The view of a delivery (browse, receive).
    public init(_ delivery: Delivery, includeRaw: Bool = false) {
        self.init(delivery.message, key: delivery.key, deliveryCount: delivery.deliveryCount, includeRaw: includeRaw)
    }

    public init(_ message: StoredMessage, key: EntryKey?, deliveryCount: UInt32, includeRaw: Bool = false) {
        let decoded = MessageBodyDecoder.decode(message)
        self.init(
            id: message.id.rawValue,
            key: key.map(EntryKeyText.format),
            address: message.address,
            priority: Int(message.priority),
            durable: message.isDurable,
            creationTime: message.creationTime,
            expiration: message.expiration,
            deliveryCount: Int(deliveryCount),
            origin: MessageBodyDecoder.originName(message.origin),
            properties: decoded.properties,
            applicationProperties: decoded.applicationProperties,
            body: decoded.body.text,
            bodyBase64: decoded.body.isBase64,
            decodeError: decoded.error,
            raw: includeRaw ? Data(message.body.readableBytesView).base64EncodedString() : nil
        )
    }
}

/// Entry keys as text in URLs and JSON: `queue:priority:message`, e.g. `7:4:1042`.
public enum EntryKeyText {
    public static func format(_ key: EntryKey) -> String {
        "\(key.queue.rawValue):\(key.priority):\(key.message.rawValue)"
    }

    public static func parse(_ text: String) -> EntryKey? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let queue = UInt32(parts[0]), let priority = UInt8(parts[1]), priority <= 9,
            let message = UInt64(parts[2])
        else { return nil }
        return EntryKey(queue: QueueID(queue), priority: priority, message: MessageID(message))
    }
}
