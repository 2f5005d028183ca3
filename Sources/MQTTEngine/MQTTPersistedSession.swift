import BrokerStore
import MQTTCodec
import NIOCore

/// A persistent session as kept in the store (`mqtt_sessions` records), so subscriptions survive
/// client reconnects and broker restarts. Queued messages live in the subscription queues themselves
/// (durable queues named by ``MQTTPersistedSession/queueName(clientID:filter:)``).
///
/// Record keys (all in `RecordKind.mqttSessions`):
/// - `"s/" + clientID`: this struct, layout below.
/// - `"i/" + clientID + "/" + u16 packetID`: an incoming QoS 2 packet id whose message is stored and
///   PUBREC'd, not yet released (value empty). Committed with the message itself.
/// - `"o/" + clientID + "/" + u16 packetID`: an outgoing QoS 2 message PUBREC'd by the client; the
///   server owes PUBREL and waits for PUBCOMP (value empty).
///
/// Value of `"s/"` (big-endian):
/// ```
/// 0   1   layout version (0x01)
/// 1   4   session expiry interval, seconds (0xFFFFFFFF: never)
/// 5   8   disconnected at, ms since 1970 (0: connected when written)
/// 13  2   subscription count N
/// 15  ... N × (filter: u16 length + UTF-8, queue name: u16 length + UTF-8,
///              options byte (MQTT 5 SUBSCRIBE layout), subscription identifier u32 (0: none))
/// then (layout 2 only):
///     2   unacknowledged count U
///     ... U × (queue id u32, message id u64, packet id u16)
/// ```
/// Layout 1 records (no unacknowledged deliveries) are still read.
struct MQTTPersistedSession: Hashable, Sendable {
    static let layoutVersion: UInt8 = 2
    static let layoutVersionWithoutUnacknowledged: UInt8 = 1

    /// A QoS 1/2 PUBLISH the client had not acknowledged when it went away: sent again with the
    /// same packet id on reconnect (MQTT 3.1.1 4.4, MQTT 5 4.4), which QoS 2 receivers rely on to
    /// recognise a message they already have.
    struct UnacknowledgedDelivery: Hashable, Sendable {
        var queue: QueueID
        var message: MessageID
        var packetID: UInt16
    }
    static let neverExpires: UInt32 = 0xFFFF_FFFF

    struct Subscription: Hashable, Sendable {
        var filter: String
        var queueName: String
        var options: MQTTSubscriptionOptions
        var subscriptionIdentifier: Int?
    }

    var clientID: String
    var expiryInterval: UInt32
    var disconnectedAt: Int64
    var subscriptions: [Subscription]
    var unacknowledged: [UnacknowledgedDelivery] = []

    /// The durable queue of a persistent session's subscription to `filter`.
    static func queueName(clientID: String, filter: String) -> String {
        "mqtt/\(clientID)/\(filter)"
    }

    static func sessionKey(_ clientID: String) -> [UInt8] { Array("s/\(clientID)".utf8) }

    static func packetKey(incoming: Bool, clientID: String, packetID: UInt16) -> [UInt8] {
        Array("\(incoming ? "i" : "o")/\(clientID)/".utf8) + [UInt8(packetID >> 8), UInt8(packetID & 0xFF)]
    }

    /// Splits a packet-id key into (incoming?, client id, packet id).
    static func parsePacketKey(_ key: [UInt8]) -> (incoming: Bool, clientID: String, packetID: UInt16)? {
        guard key.count >= 5, key[1] == UInt8(ascii: "/"), key[key.count - 3] == UInt8(ascii: "/") else { return nil }
        let incoming: Bool
        switch key[0] {
        case UInt8(ascii: "i"): incoming = true
        case UInt8(ascii: "o"): incoming = false
        default: return nil
        }
        let clientID = String(decoding: key[2..<(key.count - 3)], as: UTF8.self)
        let packetID = UInt16(key[key.count - 2]) << 8 | UInt16(key[key.count - 1])
        return (incoming, clientID, packetID)
    }

    func encoded() -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(Self.layoutVersion)
        buffer.writeInteger(self.expiryInterval)
        buffer.writeInteger(self.disconnectedAt)
        buffer.writeInteger(UInt16(min(self.subscriptions.count, Int(UInt16.max))))
        for subscription in self.subscriptions.prefix(Int(UInt16.max)) {
            buffer.writeLengthPrefixed(subscription.filter)
            buffer.writeLengthPrefixed(subscription.queueName)
            var options = subscription.options.qos.rawValue | subscription.options.retainHandling.rawValue << 4
            if subscription.options.noLocal { options |= 0x04 }
            if subscription.options.retainAsPublished { options |= 0x08 }
            buffer.writeInteger(options)
            buffer.writeInteger(UInt32(subscription.subscriptionIdentifier ?? 0))
        }
        buffer.writeInteger(UInt16(min(self.unacknowledged.count, Int(UInt16.max))))
        for delivery in self.unacknowledged.prefix(Int(UInt16.max)) {
            buffer.writeInteger(delivery.queue.rawValue)
            buffer.writeInteger(delivery.message.rawValue)
            buffer.writeInteger(delivery.packetID)
        }
        return Array(buffer.readableBytesView)
    }

    init(clientID: String, expiryInterval: UInt32, disconnectedAt: Int64, subscriptions: [Subscription], unacknowledged: [UnacknowledgedDelivery] = []) {
        self.clientID = clientID
        self.expiryInterval = expiryInterval
        self.disconnectedAt = disconnectedAt
        self.subscriptions = subscriptions
        self.unacknowledged = unacknowledged
    }

    /// nil when the bytes are not a session of a known layout.
    init?(clientID: String, bytes: [UInt8]) {
        var buffer = ByteBuffer(bytes: bytes)
        guard let version = buffer.readInteger(as: UInt8.self),
            version == Self.layoutVersion || version == Self.layoutVersionWithoutUnacknowledged,
            let expiry = buffer.readInteger(as: UInt32.self),
            let disconnectedAt = buffer.readInteger(as: Int64.self),
            let count = buffer.readInteger(as: UInt16.self)
        else { return nil }
        var subscriptions: [Subscription] = []
        for _ in 0..<count {
            guard let filter = buffer.readLengthPrefixed(), let queueName = buffer.readLengthPrefixed(),
                let options = buffer.readInteger(as: UInt8.self), let identifier = buffer.readInteger(as: UInt32.self),
                let qos = MQTTQoS(rawValue: options & 0x03),
                let retainHandling = MQTTRetainHandling(rawValue: (options >> 4) & 0x03)
            else { return nil }
            subscriptions.append(
                Subscription(
                    filter: filter,
                    queueName: queueName,
                    options: MQTTSubscriptionOptions(qos: qos, noLocal: options & 0x04 != 0, retainAsPublished: options & 0x08 != 0, retainHandling: retainHandling),
                    subscriptionIdentifier: identifier == 0 ? nil : Int(identifier)
                )
            )
        }
        var unacknowledged: [UnacknowledgedDelivery] = []
        if version == Self.layoutVersion {
            guard let count = buffer.readInteger(as: UInt16.self) else { return nil }
            for _ in 0..<count {
                guard let queue = buffer.readInteger(as: UInt32.self), let message = buffer.readInteger(as: UInt64.self),
                    let packetID = buffer.readInteger(as: UInt16.self)
                else { return nil }
                unacknowledged.append(UnacknowledgedDelivery(queue: QueueID(queue), message: MessageID(message), packetID: packetID))
            }
        }
        self.init(clientID: clientID, expiryInterval: expiry, disconnectedAt: disconnectedAt, subscriptions: subscriptions, unacknowledged: unacknowledged)
    }
}

extension ByteBuffer {
    mutating func writeLengthPrefixed(_ string: String) {
        let bytes = Array(string.utf8.prefix(Int(UInt16.max)))
        self.writeInteger(UInt16(bytes.count))
        self.writeBytes(bytes)
    }

    mutating func readLengthPrefixed() -> String? {
        guard let length = self.readInteger(as: UInt16.self) else { return nil }
        return self.readString(length: Int(length))
    }
}
