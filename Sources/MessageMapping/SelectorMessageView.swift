import AMQPCodec
import BrokerStore
import MessageSelector
import NIOCore

/// What a JMS message selector reads from a stored message, whichever protocol it came in with
/// (docs/protocols.md, "Selectors"):
///
/// - Properties: AMQP application-properties; MQTT 5 user properties (strings; the first of
///   repeated names). Booleans, integers, floating point and strings; other AMQP types (binary,
///   timestamp, lists, …) read as absent.
/// - JMS header identifiers, as Qpid JMS maps them onto AMQP: `JMSPriority` (the priority),
///   `JMSDeliveryMode` (`'PERSISTENT'` for durable messages, else `'NON_PERSISTENT'`),
///   `JMSTimestamp` (creation-time, else the time the broker stored it), `JMSExpiration`
///   (absolute-expiry-time, else the broker's expiry, else 0), `JMSType` (subject, else the
///   `x-opt-jms-type` annotation), `JMSMessageID` and `JMSCorrelationID` (message-id and
///   correlation-id as Qpid JMS spells them: `ID:` strings as they are, other strings, numbers,
///   UUIDs and binary with its `ID:AMQP_…:` prefixes; a correlation-id string stays as it is).
///
/// An AMQP message is only indexed up front (section boundaries, by skipping); each identifier
/// then decodes just what it reads — one application property, or the properties section — so a
/// selector on one property costs a key comparison per property, not a decode of the message.
public struct SelectorMessageView: SelectorPropertySource {
    private let message: StoredMessage
    private let amqp: AMQPMessageSections?
    private let mqtt: MQTTStoredBody?

    /// Indexes the message; a body that does not parse has no properties.
    public init(_ message: StoredMessage) {
        self.message = message
        switch message.origin {
        case .amqp:
            self.amqp = try? AMQPMessageSections(indexing: message.body)
            self.mqtt = nil
        case .mqtt:
            self.amqp = nil
            self.mqtt = try? MQTTStoredBody(decoding: message.body)
        default:
            self.amqp = nil
            self.mqtt = nil
        }
    }

    /// The AMQP properties section, decoded for the JMS header identifiers that read it.
    private var amqpProperties: AMQPProperties? {
        (try? self.amqp?.decodeProperties()) ?? nil
    }

    public func selectorValue(for identifier: String) -> SelectorValue? {
        switch identifier {
        case "JMSPriority":
            return .integer(Int64(self.message.priority))
        case "JMSDeliveryMode":
            return .string(self.message.isDurable ? "PERSISTENT" : "NON_PERSISTENT")
        case "JMSTimestamp":
            return .integer(self.amqpProperties?.creationTime ?? self.message.creationTime)
        case "JMSExpiration":
            return .integer(self.amqpProperties?.absoluteExpiryTime ?? self.message.expiration ?? 0)
        case "JMSType":
            if let subject = self.amqpProperties?.subject { return .string(subject) }
            let annotations = (try? self.amqp?.decodeMessageAnnotations()) ?? nil
            return annotations?[symbol: "x-opt-jms-type"].flatMap(Self.selectorValue(of:))
        case "JMSMessageID":
            if let id = self.amqpProperties?.messageID { return Self.jmsIdentifier(id).map(SelectorValue.string) }
            return self.message.origin == .amqp ? nil : .string("ID:\(self.message.id.rawValue)")
        case "JMSCorrelationID":
            if let id = self.amqpProperties?.correlationID {
                if case .string(let text) = id { return .string(text) }
                return Self.jmsIdentifier(id).map(SelectorValue.string)
            }
            guard let data = self.mqtt?.correlationData else { return nil }
            return data.getString(at: data.readerIndex, length: data.readableBytes).map(SelectorValue.string)
        default:
            if let amqp = self.amqp {
                return ((try? amqp.applicationProperty(identifier)) ?? nil).flatMap(Self.selectorValue(of:))
            }
            return self.mqtt?.userProperties.first { $0.name == identifier }.map { .string($0.value) }
        }
    }

    /// The selector type of an AMQP value; nil for types a selector cannot compare.
    static func selectorValue(of value: AMQPValue) -> SelectorValue? {
        switch value {
        case .boolean(let flag): return .boolean(flag)
        case .ubyte(let number): return .integer(Int64(number))
        case .ushort(let number): return .integer(Int64(number))
        case .uint(let number): return .integer(Int64(number))
        case .ulong(let number): return Int64(exactly: number).map(SelectorValue.integer) ?? .double(Double(number))
        case .byte(let number): return .integer(Int64(number))
        case .short(let number): return .integer(Int64(number))
        case .int(let number): return .integer(Int64(number))
        case .long(let number): return .integer(number)
        case .float(let number): return .double(Double(number))
        case .double(let number): return .double(number)
        case .string(let text), .symbol(let text): return .string(text)
        case .char(let scalar): return .string(String(scalar))
        default: return nil
        }
    }

    /// A message-id or correlation-id as Qpid JMS presents it in `JMSMessageID`.
    static func jmsIdentifier(_ value: AMQPValue) -> String? {
        switch value {
        case .string(let text): return text.hasPrefix("ID:") ? text : "ID:AMQP_NO_PREFIX:\(text)"
        case .ulong(let number): return "ID:AMQP_ULONG:\(number)"
        case .uuid(let uuid): return "ID:AMQP_UUID:\(Self.canonicalText(of: uuid))"
        case .binary(let bytes): return "ID:AMQP_BINARY:\(Self.hex(bytes.readableBytesView, uppercase: true))"
        default: return nil
        }
    }

    /// 8-4-4-4-12 lowercase hex, as `java.util.UUID.toString` writes it.
    private static func canonicalText(of uuid: AMQPUUID) -> String {
        let bytes = withUnsafeBytes(of: (uuid.high.bigEndian, uuid.low.bigEndian)) { Array($0) }
        let groups = [0..<4, 4..<6, 6..<8, 8..<10, 10..<16]
        return groups.map { Self.hex(bytes[$0], uppercase: false) }.joined(separator: "-")
    }

    private static func hex(_ bytes: some Sequence<UInt8>, uppercase: Bool) -> String {
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
