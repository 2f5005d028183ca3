import AMQPCodec
import BrokerStore
import MQTTCodec
import NIOCore

/// How a message crosses between MQTT and AMQP (the table is in docs/protocols.md, "Between AMQP and
/// MQTT"). Pure functions over stored messages: no I/O, no broker.
public enum MessageMapping {
    /// The content type given to AMQP messages whose MQTT payload was marked UTF-8 without a content type.
    public static let textContentType = "text/plain; charset=utf-8"

    // MARK: MQTT -> AMQP

    /// The encoded AMQP message (header + bare message) for a message published over MQTT, for an AMQP
    /// receiver. `deliveryCount` goes in the header (earlier failed attempts).
    ///
    /// - payload: one data section; when the Payload Format Indicator says UTF-8 (and it is), an
    ///   amqp-value string instead, so text reaches AMQP applications as text.
    /// - content type → content-type; correlation data → correlation-id (binary); response topic →
    ///   reply-to; user properties → application-properties (string values; the first of repeated names);
    ///   expiry → absolute-expiry-time and header ttl (the original lifetime); topic → `to`;
    ///   the store id → message-id (ulong).
    public static func amqpMessage(fromMQTT message: StoredMessage, deliveryCount: UInt32 = 0) -> ByteBuffer {
        let body = (try? MQTTStoredBody(decoding: message.body)) ?? MQTTStoredBody(payload: message.body)
        var properties = AMQPProperties(
            messageID: .ulong(message.id.rawValue),
            to: message.address,
            replyTo: body.responseTopic,
            correlationID: body.correlationData.map { .binary($0) },
            contentType: body.contentType,
            absoluteExpiryTime: message.expiration,
            creationTime: message.creationTime
        )
        let amqpBody: AMQPMessageBody
        if body.payloadFormatIndicator == .utf8, let text = body.payload.getString(at: body.payload.readerIndex, length: body.payload.readableBytes), text.utf8.count == body.payload.readableBytes {
            amqpBody = .value(.string(text))
            if properties.contentType == nil { properties.contentType = Self.textContentType }
        } else {
            amqpBody = .data([body.payload])
        }
        var applicationProperties: AMQPMap?
        if !body.userProperties.isEmpty {
            var map = AMQPMap()
            for property in body.userProperties where map[string: property.name] == nil {
                map[string: property.name] = .string(property.value)
            }
            applicationProperties = map
        }
        var bare = ByteBuffer()
        bare.reserveCapacity(body.payload.readableBytes + 64)
        AMQPBareMessage(properties: properties, applicationProperties: applicationProperties, body: amqpBody)
            .encode(into: &bare)
        var ttl: UInt32?
        if let expiration = message.expiration {
            ttl = UInt32(clamping: max(0, expiration - message.creationTime))
        }
        let header = AMQPHeader(durable: message.isDurable, priority: message.priority, ttl: ttl, deliveryCount: deliveryCount)
        guard let encoded = try? AMQPEncodedMessage(header: header, bareMessage: bare) else {
            return bare
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bare.readableBytes + 16)
        encoded.encode(into: &buffer)
        return buffer
    }

    // MARK: AMQP (and others) -> MQTT

    /// The MQTT view of any stored message, for an MQTT subscriber: MQTT-origin bodies are decoded,
    /// AMQP messages mapped, other origins taken as opaque payload. The topic is the message address.
    /// `readingPublisher` false leaves out the publisher's client id (see `MQTTStoredBody.init(decoding:readingPublisher:)`).
    public static func mqttBody(for message: StoredMessage, readingPublisher: Bool = true) -> MQTTStoredBody {
        switch message.origin {
        case .mqtt:
            return (try? MQTTStoredBody(decoding: message.body, readingPublisher: readingPublisher)) ?? MQTTStoredBody(payload: message.body)
        case .amqp:
            return self.mqttBody(fromAMQP: message.body)
        default:
            return MQTTStoredBody(payload: message.body, qos: message.isDurable ? .atLeastOnce : .atMostOnce)
        }
    }

    /// Maps an encoded AMQP message to an MQTT body (see the table): data sections concatenated,
    /// an amqp-value string (UTF-8, format indicator 1) or binary as the payload, anything else as its
    /// text form; content-type, reply-to, correlation-id (binary or the UTF-8 of a string / text of a
    /// number or uuid), application-properties as user properties (non-string values as text).
    /// The QoS ceiling of an AMQP message is 1 (at least once).
    public static func mqttBody(fromAMQP encoded: ByteBuffer) -> MQTTStoredBody {
        guard let message = try? AMQPEncodedMessage(parsing: encoded) else {
            return MQTTStoredBody(payload: encoded, qos: .atLeastOnce)
        }
        var result = MQTTStoredBody(payload: ByteBuffer(), qos: .atLeastOnce)
        switch try? message.decodeBody() {
        case .data(let sections):
            if sections.count == 1, let only = sections.first {
                result.payload = only
            } else {
                var payload = ByteBuffer()
                for section in sections { payload.writeImmutableBuffer(section) }
                result.payload = payload
            }
        case .value(.string(let text)):
            result.payload = ByteBuffer(string: text)
            result.payloadFormatIndicator = .utf8
        case .value(.binary(let bytes)):
            result.payload = bytes
        case .value(let value):
            result.payload = ByteBuffer(string: self.text(of: value))
            result.payloadFormatIndicator = .utf8
        case .sequence(let sections):
            result.payload = ByteBuffer(string: sections.flatMap { $0 }.map { self.text(of: $0) }.joined(separator: ","))
        case nil:
            result.payload = ByteBuffer()
        }
        if let properties = message.properties {
            result.contentType = properties.contentType
            result.responseTopic = properties.replyTo
            switch properties.correlationID {
            case .binary(let bytes)?: result.correlationData = bytes
            case let value?: result.correlationData = ByteBuffer(string: self.text(of: value))
            case nil: break
            }
        }
        if let applicationProperties = try? message.decodeApplicationProperties() {
            for entry in applicationProperties.entries {
                result.userProperties.append(MQTTUserProperty(name: self.text(of: entry.key), value: self.text(of: entry.value)))
            }
        }
        return result
    }

    /// A simple value as text: strings and symbols as themselves, numbers in decimal, booleans
    /// `true`/`false`, binary as lowercase hex, uuid in its 8-4-4-4-12 form, timestamps in ms.
    public static func text(of value: AMQPValue) -> String {
        switch value {
        case .null: return ""
        case .boolean(let value): return value ? "true" : "false"
        case .ubyte(let value): return String(value)
        case .ushort(let value): return String(value)
        case .uint(let value): return String(value)
        case .ulong(let value): return String(value)
        case .byte(let value): return String(value)
        case .short(let value): return String(value)
        case .int(let value): return String(value)
        case .long(let value): return String(value)
        case .float(let value): return String(value)
        case .double(let value): return String(value)
        case .decimal32(let value): return String(value)
        case .decimal64(let value): return String(value)
        case .decimal128: return "\(value)"
        case .char(let scalar): return String(Character(scalar))
        case .timestamp(let value): return String(value)
        case .uuid(let uuid): return self.uuidText(uuid)
        case .binary(let bytes): return bytes.readableBytesView.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        case .string(let text), .symbol(let text): return text
        case .list(let values): return "[" + values.map { self.text(of: $0) }.joined(separator: ",") + "]"
        case .map, .array, .described: return "\(value)"
        }
    }

    private static func uuidText(_ uuid: AMQPUUID) -> String {
        let hex = String(uuid.high, radix: 16).leftPadded(to: 16) + String(uuid.low, radix: 16).leftPadded(to: 16)
        let characters = Array(hex)
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }
        return groups.joined(separator: "-")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - self.count)) + self
    }
}
