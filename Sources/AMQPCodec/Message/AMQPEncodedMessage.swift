import NIOCore

/// A message as it travels: the sections a broker may change (header, annotations, footer) decoded, and
/// the bare message (properties through application data) kept as the exact bytes received, because the
/// spec makes them immutable and the broker stores and forwards them untouched (part 3.2).
public struct AMQPEncodedMessage: Hashable, Sendable {
    public var header: AMQPHeader?
    public var deliveryAnnotations: AMQPMap?
    public var messageAnnotations: AMQPMap?
    /// The properties, application-properties and body sections, byte for byte.
    public let bareMessage: ByteBuffer
    public var footer: AMQPMap?
    /// The decoded properties section of `bareMessage`.
    public let properties: AMQPProperties?
    /// Where application-properties and the body sit inside `bareMessage`, so their accessors need not
    /// walk the sections again. (`bodyRange` is internal for `encodeForwarded`.)
    private let applicationPropertiesRange: Range<Int>?
    let bodyRange: Range<Int>

    /// Splits an encoded message (for example a transfer payload) into its sections.
    public init(parsing message: ByteBuffer) throws {
        let parsed = try AMQPMessageParser.parse(message)
        self.header = parsed.header
        self.deliveryAnnotations = parsed.deliveryAnnotations
        self.messageAnnotations = parsed.messageAnnotations
        self.bareMessage = parsed.bareMessage
        self.footer = parsed.footer
        self.properties = parsed.properties
        self.applicationPropertiesRange = parsed.applicationPropertiesRange
        self.bodyRange = parsed.bodyRange
    }

    /// Combines (possibly changed) transport sections with bare message bytes kept from an earlier parse.
    /// Throws when `bareMessage` holds anything but bare message sections in order.
    public init(
        header: AMQPHeader? = nil,
        deliveryAnnotations: AMQPMap? = nil,
        messageAnnotations: AMQPMap? = nil,
        bareMessage: ByteBuffer,
        footer: AMQPMap? = nil
    ) throws {
        let parsed = try AMQPMessageParser.parse(bareMessage)
        guard parsed.header == nil, parsed.deliveryAnnotations == nil, parsed.messageAnnotations == nil,
            parsed.footer == nil
        else {
            throw AMQPDecodingError(code: .sectionOutOfOrder, context: "bare message", offset: 0)
        }
        self.header = header
        self.deliveryAnnotations = deliveryAnnotations
        self.messageAnnotations = messageAnnotations
        self.bareMessage = parsed.bareMessage
        self.footer = footer
        self.properties = parsed.properties
        self.applicationPropertiesRange = parsed.applicationPropertiesRange
        self.bodyRange = parsed.bodyRange
    }

    /// Writes the message: header, annotations, the untouched bare bytes, footer.
    public func encode(into buffer: inout ByteBuffer) {
        if let header = self.header {
            buffer.writeComposite(header)
        }
        if let deliveryAnnotations = self.deliveryAnnotations {
            buffer.writeMapSection(descriptorCode: AMQPDescriptor.deliveryAnnotations, deliveryAnnotations)
        }
        if let messageAnnotations = self.messageAnnotations {
            buffer.writeMapSection(descriptorCode: AMQPDescriptor.messageAnnotations, messageAnnotations)
        }
        buffer.writeImmutableBuffer(self.bareMessage)
        if let footer = self.footer {
            buffer.writeMapSection(descriptorCode: AMQPDescriptor.footer, footer)
        }
    }

    /// The application-properties section, decoded on demand; nil when absent.
    public func decodeApplicationProperties() throws -> AMQPMap? {
        guard let range = self.applicationPropertiesRange,
            var bytes = self.bareMessage.getSlice(
                at: self.bareMessage.readerIndex + range.lowerBound,
                length: range.count
            )
        else {
            return nil
        }
        return try AMQPDecoder.decode(&bytes, offsetOfFirstByte: range.lowerBound) { decoder in
            _ = try decoder.readDescriptorCode("application-properties")
            return try decoder.readMapSectionValue("application-properties")
        }
    }

    /// The body sections, decoded on demand. Data sections stay slices of `bareMessage`.
    public func decodeBody() throws -> AMQPMessageBody {
        guard
            var bytes = self.bareMessage.getSlice(
                at: self.bareMessage.readerIndex + self.bodyRange.lowerBound,
                length: self.bodyRange.count
            )
        else {
            return .data([])
        }
        return try AMQPDecoder.decode(&bytes, offsetOfFirstByte: self.bodyRange.lowerBound) { decoder in
            try Self.readBody(&decoder)
        }
    }

    private static func readBody(_ decoder: inout AMQPDecoder) throws -> AMQPMessageBody {
        var data: [ByteBuffer] = []
        var sequences: [[AMQPValue]] = []
        while decoder.readableBytes > 0 {
            let descriptorOffset = decoder.offset
            switch try decoder.readDescriptorCode("body") {
            case AMQPDescriptor.data:
                guard case .binary(let bytes) = try decoder.readValue(depth: 1) else {
                    throw decoder.error(.unexpectedFormatCode, "data", at: descriptorOffset)
                }
                data.append(bytes)
            case AMQPDescriptor.amqpSequence:
                guard case .list(let elements) = try decoder.readValue(depth: 1) else {
                    throw decoder.error(.unexpectedFormatCode, "amqp-sequence", at: descriptorOffset)
                }
                sequences.append(elements)
            case AMQPDescriptor.amqpValue:
                return .value(try decoder.readValue(depth: 1))
            default:
                throw decoder.error(.unexpectedDescriptor, "body", at: descriptorOffset)
            }
        }
        return sequences.isEmpty ? .data(data) : .sequence(sequences)
    }
}

extension AMQPDecoder {
    /// The map of an annotations, application-properties or footer section; null counts as empty.
    mutating func readMapSectionValue(_ context: String) throws -> AMQPMap {
        let valueOffset = self.offset
        switch try self.readValue(depth: 1) {
        case .map(let map): return map
        case .null: return AMQPMap()
        default: throw self.error(.unexpectedFormatCode, context, at: valueOffset)
        }
    }
}
