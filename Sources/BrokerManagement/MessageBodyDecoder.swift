import AMQPCodec
import BrokerStore
import Foundation
import MQTTCodec
import MessageMapping
import NIOCore

/// Reads a stored body according to the protocol it arrived with.
///
/// - core: the body is the payload.
/// - amqp: the whole AMQP 1.0 message as received (header, properties, application-properties, body).
/// - mqtt: `MessageMapping.MQTTStoredBody` (payload, MQTT 5 properties, user properties).
public enum MessageBodyDecoder {
    public struct Decoded: Sendable {
        public var properties: [String: JSONValue] = [:]
        public var applicationProperties: [String: JSONValue] = [:]
        public var body: Payload
        public var error: String?
    }

    /// A payload as JSON text: UTF-8 text as is, anything else base64.
    public struct Payload: Sendable {
        public var text: String
        public var isBase64: Bool

        public init(bytes: ByteBuffer) {
            if let text = bytes.getString(at: bytes.readerIndex, length: bytes.readableBytes), Self.isValidUTF8(bytes) {
                self.text = text
                self.isBase64 = false
            } else {
                self.text = Data(bytes.readableBytesView).base64EncodedString()
                self.isBase64 = true
            }
        }

        public init(text: String, isBase64: Bool) {
            self.text = text
            self.isBase64 = isBase64
        }

        private static func isValidUTF8(_ bytes: ByteBuffer) -> Bool {
            var iterator = bytes.readableBytesView.makeIterator()
            var decoder = UTF8()
            while true {
                switch decoder.decode(&iterator) {
                case .scalarValue: continue
                case .emptyInput: return true
                case .error: return false
                }
            }
        }
    }

    public static func originName(_ origin: MessageOrigin) -> String {
        switch origin {
        case .core: "core"
        case .amqp: "amqp"
        case .mqtt: "mqtt"
        default: "unknown-\(origin.rawValue)"
        }
    }

    public static func origin(named name: String) -> MessageOrigin? {
        switch name {
        case "core": .core
        case "amqp": .amqp
        case "mqtt": .mqtt
        default: nil
        }
    }

    public static func decode(_ message: StoredMessage) -> Decoded {
        switch message.origin {
        case .amqp: self.decodeAMQP(message.body)
        case .mqtt: self.decodeMQTT(message.body)
        default: Decoded(body: Payload(bytes: message.body))
        }
    }

    // MARK: AMQP

    static func decodeAMQP(_ bytes: ByteBuffer) -> Decoded {
        do {
            let message = try AMQPEncodedMessage(parsing: bytes)
            var properties: [String: JSONValue] = [:]
            if let header = message.header {
                properties["durable"] = .bool(header.durable)
                properties["priority"] = .int(Int64(header.priority))
                if let ttl = header.ttl { properties["ttl"] = .int(Int64(ttl)) }
                if header.firstAcquirer { properties["firstAcquirer"] = .bool(true) }
            }
            if let section = message.properties {
                func set(_ name: String, _ value: JSONValue?) { if let value { properties[name] = value } }
                set("messageId", section.messageID.map(self.json))
                set("userId", section.userID.map { .string(Data($0.readableBytesView).base64EncodedString()) })
                set("to", section.to.map(JSONValue.string))
                set("subject", section.subject.map(JSONValue.string))
                set("replyTo", section.replyTo.map(JSONValue.string))
                set("correlationId", section.correlationID.map(self.json))
                set("contentType", section.contentType.map(JSONValue.string))
                set("contentEncoding", section.contentEncoding.map(JSONValue.string))
                set("absoluteExpiryTime", section.absoluteExpiryTime.map(JSONValue.int))
                set("creationTime", section.creationTime.map(JSONValue.int))
                set("groupId", section.groupID.map(JSONValue.string))
                set("groupSequence", section.groupSequence.map { .int(Int64($0)) })
                set("replyToGroupId", section.replyToGroupID.map(JSONValue.string))
            }
            if let annotations = message.messageAnnotations, !annotations.isEmpty {
                properties["messageAnnotations"] = self.json(.map(annotations))
            }
            var applicationProperties: [String: JSONValue] = [:]
            if let map = try message.decodeApplicationProperties() {
                for entry in map.entries {
                    applicationProperties[self.keyText(entry.key)] = self.json(entry.value)
                }
            }
            let body: Payload
            switch try message.decodeBody() {
            case .data(let sections):
                var joined = ByteBuffer()
                for var section in sections { joined.writeBuffer(&section) }
                body = Payload(bytes: joined)
            case .value(.string(let text)):
                body = Payload(text: text, isBase64: false)
            case .value(.binary(let bytes)):
                body = Payload(bytes: bytes)
            case .value(let value):
                properties["bodySection"] = .string("amqp-value")
                body = Payload(text: self.jsonText(self.json(value)), isBase64: false)
            case .sequence(let sequences):
                properties["bodySection"] = .string("amqp-sequence")
                body = Payload(text: self.jsonText(.array(sequences.map { .array($0.map(self.json)) })), isBase64: false)
            }
            return Decoded(properties: properties, applicationProperties: applicationProperties, body: body)
        } catch {
            return Decoded(body: Payload(bytes: bytes), error: "not a valid AMQP message: \(error)")
        }
    }

    static func keyText(_ key: AMQPValue) -> String {
        switch key {
        case .string(let text), .symbol(let text): text
        default: self.jsonText(self.json(key))
        }
    }

    static func json(_ value: AMQPValue) -> JSONValue {
        switch value {
        case .null: .null
        case .boolean(let value): .bool(value)
        case .ubyte(let value): .int(Int64(value))
        case .ushort(let value): .int(Int64(value))
        case .uint(let value): .int(Int64(value))
        case .ulong(let value): value <= UInt64(Int64.max) ? .int(Int64(value)) : .string(String(value))
        case .byte(let value): .int(Int64(value))
        case .short(let value): .int(Int64(value))
        case .int(let value): .int(Int64(value))
        case .long(let value): .int(value)
        case .float(let value): value.isFinite ? .double(Double(value)) : .string("\(value)")
        case .double(let value): value.isFinite ? .double(value) : .string("\(value)")
        case .decimal32(let bits): .string(String(format: "decimal32:%08x", bits))
        case .decimal64(let bits): .string(String(format: "decimal64:%016llx", bits))
        case .decimal128(let value): .string(String(format: "decimal128:%016llx%016llx", value.high, value.low))
        case .char(let scalar): .string(String(Character(scalar)))
        case .timestamp(let milliseconds): .int(milliseconds)
        case .uuid(let uuid): .string(self.uuidText(uuid))
        case .binary(let bytes): .string(Data(bytes.readableBytesView).base64EncodedString())
        case .string(let text), .symbol(let text): .string(text)
        case .list(let values): .array(values.map(self.json))
        case .map(let map):
            .object(Dictionary(map.entries.map { (self.keyText($0.key), self.json($0.value)) }, uniquingKeysWith: { first, _ in first }))
        case .array(let array): .array(array.elements.map(self.json))
        case .described(let descriptor, let value): .object(["descriptor": self.json(descriptor), "value": self.json(value)])
        }
    }

    static func uuidText(_ uuid: AMQPUUID) -> String {
        let hex = String(format: "%016llx%016llx", uuid.high, uuid.low)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    static func jsonText(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? value.description
    }

    // MARK: MQTT

    /// MQTT bodies are stored in the layout of `MessageMapping.MQTTStoredBody`: the payload
    /// plus what MQTT 5 carries beside it (content type, response topic, correlation data,
    /// user properties, the original QoS and retain flag).
    static func decodeMQTT(_ bytes: ByteBuffer) -> Decoded {
        let stored: MQTTStoredBody
        do {
            stored = try MQTTStoredBody(decoding: bytes)
        } catch {
            return Decoded(body: Payload(bytes: bytes), error: "not a valid MQTT stored body: \(error)")
        }
        var properties: [String: JSONValue] = ["qos": .int(Int64(stored.qos.rawValue))]
        if stored.retain { properties["retain"] = .bool(true) }
        if let indicator = stored.payloadFormatIndicator {
            properties["payloadFormat"] = .string(indicator == .utf8 ? "utf-8" : "bytes")
        }
        if let contentType = stored.contentType { properties["contentType"] = .string(contentType) }
        if let responseTopic = stored.responseTopic { properties["responseTopic"] = .string(responseTopic) }
        if let correlation = stored.correlationData {
            properties["correlationData"] = .string(Data(correlation.readableBytesView).base64EncodedString())
        }
        if let client = stored.publisherClientID { properties["publisherClientId"] = .string(client) }
        var userProperties: [String: JSONValue] = [:]
        for property in stored.userProperties {
            // MQTT allows a name more than once; later values join the first as an array.
            switch userProperties[property.name] {
            case .none: userProperties[property.name] = .string(property.value)
            case .array(let values)?: userProperties[property.name] = .array(values + [.string(property.value)])
            case let first?: userProperties[property.name] = .array([first, .string(property.value)])
            }
        }
        return Decoded(properties: properties, applicationProperties: userProperties, body: Payload(bytes: stored.payload))
    }
}
