import MQTTCodec
import NIOCore

/// How an MQTT-origin message body is kept in the store (`StoredMessage.body` when `origin == .mqtt`).
///
/// The broker header already holds address (= topic), durability (QoS > 0), priority and the absolute
/// expiry (from the Message Expiry Interval); this body holds the rest of what must survive to the
/// subscriber, in a small versioned layout. Every integer is big-endian; strings are UTF-8 with a
/// 16-bit length prefix (as MQTT's own), binaries likewise.
///
/// ```
/// offset  size  field
/// 0       1     layout version (0x01)
/// 1       1     flags: bit 0 retain (as published), bits 1-2 original QoS,
///               bits 3-4 payload format indicator (0 absent, 1 unspecified bytes, 2 UTF-8),
///               bit 5 content type present, bit 6 response topic present, bit 7 correlation data present
/// 2       1     flags2: bit 0 publisher client id present; other bits 0 (reserved)
/// 3       2     user property count N
/// 5       ...   [content type: u16 length + UTF-8]   if flag bit 5
///               [response topic: u16 length + UTF-8] if flag bit 6
///               [correlation data: u16 length + bytes] if flag bit 7
///               [publisher client id: u16 length + UTF-8] if flags2 bit 0 (for No Local)
///               N × (name: u16 length + UTF-8, value: u16 length + UTF-8)
/// ...     rest  payload (to the end of the body)
/// ```
public struct MQTTStoredBody: Hashable, Sendable {
    public static let layoutVersion: UInt8 = 0x01

    public var payload: ByteBuffer
    /// The RETAIN flag the publisher set (for Retain As Published).
    public var retain: Bool
    /// The QoS the message was published with; a subscriber gets min(this, its subscription QoS).
    public var qos: MQTTQoS
    public var payloadFormatIndicator: MQTTPayloadFormatIndicator?
    public var contentType: String?
    public var responseTopic: String?
    public var correlationData: ByteBuffer?
    public var userProperties: [MQTTUserProperty]
    /// The MQTT client id of the publisher, for No Local subscriptions; nil from other protocols.
    public var publisherClientID: String?

    public init(
        payload: ByteBuffer,
        retain: Bool = false,
        qos: MQTTQoS = .atMostOnce,
        payloadFormatIndicator: MQTTPayloadFormatIndicator? = nil,
        contentType: String? = nil,
        responseTopic: String? = nil,
        correlationData: ByteBuffer? = nil,
        userProperties: [MQTTUserProperty] = [],
        publisherClientID: String? = nil
    ) {
        self.payload = payload
        self.retain = retain
        self.qos = qos
        self.payloadFormatIndicator = payloadFormatIndicator
        self.contentType = contentType
        self.responseTopic = responseTopic
        self.correlationData = correlationData
        self.userProperties = userProperties
        self.publisherClientID = publisherClientID
    }

    /// The body of a PUBLISH (or will) as received: the properties that travel with the message.
    public init(publish: MQTTPublishPacket, publisherClientID: String?) {
        self.init(
            payload: publish.payload,
            retain: publish.retain,
            qos: publish.qos,
            payloadFormatIndicator: publish.properties.payloadFormatIndicator,
            contentType: publish.properties.contentType,
            responseTopic: publish.properties.responseTopic,
            correlationData: publish.properties.correlationData,
            userProperties: publish.properties.userProperties,
            publisherClientID: publisherClientID
        )
    }

    /// The PUBLISH properties this body carries (the engine adds expiry, aliases, subscription ids).
    public var properties: MQTTProperties {
        var properties = MQTTProperties.none
        if let indicator = self.payloadFormatIndicator { properties.payloadFormatIndicator = indicator }
        if let contentType = self.contentType { properties.contentType = contentType }
        if let responseTopic = self.responseTopic { properties.responseTopic = responseTopic }
        if let correlationData = self.correlationData { properties.correlationData = correlationData }
        if !self.userProperties.isEmpty { properties.userProperties = self.userProperties }
        return properties
    }
}

extension MQTTStoredBody {
    private enum Flags {
        static let retain: UInt8 = 0x01
        static let qosShift: UInt8 = 1
        static let qosMask: UInt8 = 0x06
        static let payloadFormatShift: UInt8 = 3
        static let payloadFormatMask: UInt8 = 0x18
        static let contentType: UInt8 = 0x20
        static let responseTopic: UInt8 = 0x40
        static let correlationData: UInt8 = 0x80
        static let publisherClientID: UInt8 = 0x01  // in flags2
    }

    /// Why stored bytes are not an MQTT body of a known layout.
    public struct DecodingError: Error, Hashable, Sendable, CustomStringConvertible {
        public var detail: String
        public var description: String { "MQTT stored body: \(self.detail)" }
    }

    /// Writes the layout described on the type. Strings longer than 65,535 bytes cannot come from MQTT
    /// (its own strings have 16-bit lengths); longer values from AMQP are cut at a character boundary.
    public func encode(into buffer: inout ByteBuffer) {
        var flags: UInt8 = self.retain ? Flags.retain : 0
        flags |= self.qos.rawValue << Flags.qosShift
        let format: UInt8 =
            switch self.payloadFormatIndicator {
            case nil: 0
            case .unspecifiedBytes: 1
            case .utf8: 2
            }
        flags |= format << Flags.payloadFormatShift
        if self.contentType != nil { flags |= Flags.contentType }
        if self.responseTopic != nil { flags |= Flags.responseTopic }
        if self.correlationData != nil { flags |= Flags.correlationData }
        let flags2: UInt8 = self.publisherClientID != nil ? Flags.publisherClientID : 0
        buffer.writeInteger(Self.layoutVersion)
        buffer.writeInteger(flags)
        buffer.writeInteger(flags2)
        buffer.writeInteger(UInt16(min(self.userProperties.count, Int(UInt16.max))))
        if let contentType = self.contentType { buffer.writeShortString(contentType) }
        if let responseTopic = self.responseTopic { buffer.writeShortString(responseTopic) }
        if let correlationData = self.correlationData { buffer.writeShortBinary(correlationData) }
        if let publisher = self.publisherClientID { buffer.writeShortString(publisher) }
        for property in self.userProperties.prefix(Int(UInt16.max)) {
            buffer.writeShortString(property.name)
            buffer.writeShortString(property.value)
        }
        buffer.writeImmutableBuffer(self.payload)
    }

    public func encoded() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(self.encodedSize)
        self.encode(into: &buffer)
        return buffer
    }

    /// The size `encode(into:)` writes (strings longer than 65,535 bytes, which are cut, aside), so
    /// `encoded()` allocates once.
    var encodedSize: Int {
        var size = 5 + self.payload.readableBytes
        if let contentType = self.contentType { size += 2 + contentType.utf8.count }
        if let responseTopic = self.responseTopic { size += 2 + responseTopic.utf8.count }
        if let correlationData = self.correlationData { size += 2 + correlationData.readableBytes }
        if let publisher = self.publisherClientID { size += 2 + publisher.utf8.count }
        for property in self.userProperties { size += 4 + property.name.utf8.count + property.value.utf8.count }
        return size
    }

    /// Reads a stored body; the payload is a slice of `body`. With `readingPublisher` false the
    /// publisher's client id is stepped over and left nil: only a No Local subscription compares
    /// it, and decoding it into a String cost an allocation per delivery to every other one.
    public init(decoding body: ByteBuffer, readingPublisher: Bool = true) throws(DecodingError) {
        var buffer = body
        guard let version: UInt8 = buffer.readInteger(), version == Self.layoutVersion else {
            throw DecodingError(detail: "unknown layout version")
        }
        guard let flags: UInt8 = buffer.readInteger(), let flags2: UInt8 = buffer.readInteger(),
            let count: UInt16 = buffer.readInteger()
        else {
            throw DecodingError(detail: "truncated header")
        }
        guard let qos = MQTTQoS(rawValue: (flags & Flags.qosMask) >> Flags.qosShift) else {
            throw DecodingError(detail: "QoS 3")
        }
        let format: MQTTPayloadFormatIndicator?
        switch (flags & Flags.payloadFormatMask) >> Flags.payloadFormatShift {
        case 0: format = nil
        case 1: format = .unspecifiedBytes
        case 2: format = .utf8
        default: throw DecodingError(detail: "payload format 3")
        }
        func string(_ field: String) throws(DecodingError) -> String {
            guard let length: UInt16 = buffer.readInteger(), let value = buffer.readString(length: Int(length)) else {
                throw DecodingError(detail: "truncated \(field)")
            }
            return value
        }
        self.retain = flags & Flags.retain != 0
        self.qos = qos
        self.payloadFormatIndicator = format
        self.contentType = flags & Flags.contentType != 0 ? try string("content type") : nil
        self.responseTopic = flags & Flags.responseTopic != 0 ? try string("response topic") : nil
        if flags & Flags.correlationData != 0 {
            guard let length: UInt16 = buffer.readInteger(), let value = buffer.readSlice(length: Int(length)) else {
                throw DecodingError(detail: "truncated correlation data")
            }
            self.correlationData = value
        } else {
            self.correlationData = nil
        }
        if flags2 & Flags.publisherClientID == 0 {
            self.publisherClientID = nil
        } else if readingPublisher {
            self.publisherClientID = try string("publisher client id")
        } else {
            guard let length: UInt16 = buffer.readInteger(), buffer.readableBytes >= Int(length) else {
                throw DecodingError(detail: "truncated publisher client id")
            }
            buffer.moveReaderIndex(forwardBy: Int(length))
            self.publisherClientID = nil
        }
        var properties: [MQTTUserProperty] = []
        properties.reserveCapacity(Int(count))
        for _ in 0..<count {
            let name = try string("user property name")
            let value = try string("user property value")
            properties.append(MQTTUserProperty(name: name, value: value))
        }
        self.userProperties = properties
        self.payload = buffer
    }
}

extension ByteBuffer {
    /// A u16-length-prefixed UTF-8 string, cut at a character boundary to fit.
    fileprivate mutating func writeShortString(_ value: String) {
        let length = value.utf8.count
        if length <= Int(UInt16.max) {
            // The common case, without an intermediate array.
            self.writeInteger(UInt16(length))
            self.writeString(value)
            return
        }
        var utf8 = Array(value.utf8)
        if utf8.count > Int(UInt16.max) {
            var end = Int(UInt16.max)
            while end > 0 && utf8[end] & 0xC0 == 0x80 { end -= 1 }
            utf8 = Array(utf8[..<end])
        }
        self.writeInteger(UInt16(utf8.count))
        self.writeBytes(utf8)
    }

    fileprivate mutating func writeShortBinary(_ value: ByteBuffer) {
        let length = min(value.readableBytes, Int(UInt16.max))
        self.writeInteger(UInt16(length))
        self.writeImmutableBuffer(value.getSlice(at: value.readerIndex, length: length) ?? ByteBuffer())
    }
}
