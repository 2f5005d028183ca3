import AMQPCodec
import BrokerStore
import MessageMapping
import NIOCore

/// The AMQP message an uplink sends for a stored message: the bare message rebuilt with a
/// message-id (the stable id when it has none) and the application property `_AMQ_DUPL_ID` =
/// stable id, which Outpost and Artemis-style peers deduplicate on. The uplink is a new sender,
/// so re-encoding the bare message is allowed. MQTT-origin messages go through
/// `MessageMapping.amqpMessage(fromMQTT:)` first; others (core) become one data section.
public enum AMQPUplinkMessage {
    public static let duplicateIDProperty = "_AMQ_DUPL_ID"

    public static func encode(_ message: StoredMessage, stableID: String) -> ByteBuffer {
        let encoded: ByteBuffer?
        switch message.origin {
        case .amqp: encoded = message.body
        case .mqtt: encoded = MessageMapping.amqpMessage(fromMQTT: message)
        default: encoded = nil
        }
        if let encoded, let parsed = try? AMQPEncodedMessage(parsing: encoded) {
            var properties = parsed.properties ?? AMQPProperties()
            if properties.messageID == nil { properties.messageID = .string(stableID) }
            var applicationProperties = (try? parsed.decodeApplicationProperties()) ?? AMQPMap()
            applicationProperties[string: Self.duplicateIDProperty] = .string(stableID)
            var header = parsed.header ?? AMQPHeader()
            header.priority = message.priority
            header.durable = message.isDurable
            // The body goes on as it is, one copy (see encodeForwarded).
            var buffer = ByteBuffer()
            buffer.reserveCapacity(encoded.readableBytes + 2 * stableID.utf8.count + 64)
            parsed.encodeForwarded(header: header, properties: properties, applicationProperties: applicationProperties, into: &buffer)
            return buffer
        }
        let properties = AMQPProperties(
            messageID: .string(stableID),
            to: message.address,
            absoluteExpiryTime: message.expiration,
            creationTime: message.creationTime
        )
        var ttl: UInt32?
        if let expiration = message.expiration { ttl = UInt32(clamping: max(0, expiration - message.creationTime)) }
        return Self.assemble(
            header: AMQPHeader(durable: message.isDurable, priority: message.priority, ttl: ttl),
            messageAnnotations: nil,
            bare: AMQPBareMessage(
                properties: properties,
                applicationProperties: [.string(Self.duplicateIDProperty): .string(stableID)],
                body: .data([message.body])
            ),
            footer: nil
        )
    }

    private static func assemble(header: AMQPHeader, messageAnnotations: AMQPMap?, bare: AMQPBareMessage, footer: AMQPMap?) -> ByteBuffer {
        var bareBytes = ByteBuffer()
        bare.encode(into: &bareBytes)
        guard let message = try? AMQPEncodedMessage(header: header, messageAnnotations: messageAnnotations, bareMessage: bareBytes, footer: footer) else {
            return bareBytes
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bareBytes.readableBytes + 32)
        message.encode(into: &buffer)
        return buffer
    }
}
