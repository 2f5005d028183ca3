import AMQPCodec
import BrokerCore
import BrokerStore
import MessageMapping
import NIOCore

/// Converts between AMQP transfer payloads and the broker's messages. AMQP messages are stored whole,
/// as received, so the bare message stays byte for byte; on delivery only the header is rewritten.
public enum AMQPMessageMapping {
    /// Why an incoming message cannot be published.
    public struct MappingError: Error, Sendable {
        public var error: AMQPError
    }

    /// The broker message for a transfer payload. `linkAddress` is the link's target address; nil on
    /// the anonymous relay, where the message's `to` names the address. `now` is in ms since 1970.
    public static func incomingMessage(payload: ByteBuffer, linkAddress: String?, now: Int64) throws -> IncomingMessage {
        let parsed: AMQPEncodedMessage
        do {
            parsed = try AMQPEncodedMessage(parsing: payload)
        } catch {
            throw MappingError(error: AMQPError(condition: .decodeError, description: "message: \(error)"))
        }
        guard let address = linkAddress ?? parsed.properties?.to, !address.isEmpty else {
            throw MappingError(error: AMQPError(condition: .notFound, description: "the message has no address: the link has no target address and properties.to is not set"))
        }
        var expiration: Int64?
        if let ttl = parsed.header?.ttl {
            expiration = now + Int64(ttl)
        }
        if let absolute = parsed.properties?.absoluteExpiryTime, absolute > 0 {
            expiration = min(expiration ?? absolute, absolute)
        }
        // The payload stays a slice of the read buffer: the store copies it into LMDB, and a queue
        // that keeps the message in memory copies it out first (BrokerCore's `owningItsBytes`),
        // so a message that goes straight to disk is never copied on the event loop.
        return IncomingMessage(
            address: address,
            priority: parsed.header.map { min($0.priority, 9) },
            isDurable: parsed.header?.durable ?? false,
            expiration: expiration,
            origin: .amqp,
            body: payload
        )
    }

    /// The transfer payload for a delivery: for AMQP messages the stored message with its header
    /// rewritten (durable, priority, delivery-count); annotations and the bare message unchanged.
    public static func outgoingMessage(for delivery: Delivery) -> ByteBuffer {
        let message = delivery.message
        switch message.origin {
        case .amqp:
            guard var parsed = try? AMQPEncodedMessage(parsing: message.body) else {
                return self.dataMessage(message.body, delivery: delivery)
            }
            var header = parsed.header ?? AMQPHeader()
            header.durable = message.isDurable
            header.priority = message.priority
            header.deliveryCount = delivery.deliveryCount
            header.firstAcquirer = false
            if header == parsed.header {
                return message.body
            }
            parsed.header = header
            var buffer = ByteBuffer()
            buffer.reserveCapacity(message.body.readableBytes + 16)
            parsed.encode(into: &buffer)
            return buffer
        case .mqtt:
            // Payload and MQTT 5 properties mapped per docs/protocols.md ("Between AMQP and MQTT").
            return MessageMapping.amqpMessage(fromMQTT: message, deliveryCount: delivery.deliveryCount)
        default:
            return self.dataMessage(message.body, delivery: delivery)
        }
    }

    /// A message of a header and one data section holding `payload`.
    static func dataMessage(_ payload: ByteBuffer, delivery: Delivery) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(payload.readableBytes + 32)
        var bare = ByteBuffer()
        AMQPBareMessage(body: .data([payload])).encode(into: &bare)
        let header = AMQPHeader(
            durable: delivery.message.isDurable,
            priority: delivery.message.priority,
            deliveryCount: delivery.deliveryCount
        )
        if let message = try? AMQPEncodedMessage(header: header, bareMessage: bare) {
            message.encode(into: &buffer)
        } else {
            buffer.writeImmutableBuffer(bare)
        }
        return buffer
    }
}
