import NIOCore

/// Walks the sections of an encoded message once, checking their order (part 3.2) and recording where the
/// bare message starts and ends. Bare sections are skipped by their sizes, not materialised, except the
/// small properties section that the broker routes on.
struct AMQPMessageParser {
    struct Parsed {
        var header: AMQPHeader?
        var deliveryAnnotations: AMQPMap?
        var messageAnnotations: AMQPMap?
        var properties: AMQPProperties?
        var footer: AMQPMap?
        var bareMessage: ByteBuffer
        /// Relative to the start of `bareMessage`.
        var applicationPropertiesRange: Range<Int>?
        var bodyRange: Range<Int>
    }

    /// Sections in the order the spec requires; body kinds share one rank.
    private enum Rank: Int, Comparable {
        case header, deliveryAnnotations, messageAnnotations, properties, applicationProperties, body, footer

        static func < (lhs: Rank, rhs: Rank) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private var decoder: AMQPDecoder

    private init(decoder: AMQPDecoder) {
        self.decoder = decoder
    }

    static func parse(_ message: ByteBuffer) throws -> Parsed {
        var input = message
        return try AMQPDecoder.decode(&input) { decoder in
            var parser = AMQPMessageParser(decoder: decoder)
            return try parser.parseSections(of: message)
        }
    }

    /// Walks the sections; indexes are relative to the start of `message`.
    private mutating func parseSections(of message: ByteBuffer) throws -> Parsed {
        var header: AMQPHeader?
        var deliveryAnnotations: AMQPMap?
        var messageAnnotations: AMQPMap?
        var properties: AMQPProperties?
        var footer: AMQPMap?
        var applicationPropertiesRange: Range<Int>?
        var bareStart: Int?
        var bareEnd: Int?
        var bodyStart: Int?
        var bodyEnd: Int?
        var bodyKind: UInt64?
        var lastRank: Rank?

        while self.decoder.readableBytes > 0 {
            let sectionStart = self.decoder.readerIndex
            let sectionOffset = self.decoder.offset
            let code = try self.decoder.readDescriptorCode("message section")
            let rank = try Self.rank(of: code, at: sectionOffset, decoder: self.decoder)
            if let lastRank {
                // Body sections may repeat, but only data after data or amqp-sequence after amqp-sequence.
                let repeatsBody =
                    rank == .body && lastRank == .body && bodyKind == code && code != AMQPDescriptor.amqpValue
                guard lastRank < rank || repeatsBody else {
                    throw self.decoder.error(.sectionOutOfOrder, "message section", at: sectionOffset)
                }
            }
            lastRank = rank
            if rank >= .properties && rank <= .body && bareStart == nil {
                bareStart = sectionStart
            }

            switch rank {
            case .header:
                header = try self.decoder.readFields(of: AMQPHeader.self)
            case .deliveryAnnotations:
                deliveryAnnotations = try self.decoder.readMapSectionValue("delivery-annotations")
            case .messageAnnotations:
                messageAnnotations = try self.decoder.readMapSectionValue("message-annotations")
            case .properties:
                properties = try self.decoder.readFields(of: AMQPProperties.self)
            case .applicationProperties:
                try self.skipSectionValue(
                    allowing: [AMQPFormatCode.map8, AMQPFormatCode.map32],
                    "application-properties"
                )
                applicationPropertiesRange = sectionStart..<self.decoder.readerIndex
            case .body:
                switch code {
                case AMQPDescriptor.data:
                    try self.skipSectionValue(allowing: [AMQPFormatCode.binary8, AMQPFormatCode.binary32], "data")
                case AMQPDescriptor.amqpSequence:
                    try self.skipSectionValue(
                        allowing: [AMQPFormatCode.list0, AMQPFormatCode.list8, AMQPFormatCode.list32],
                        "amqp-sequence"
                    )
                default:
                    try self.decoder.skipValue(depth: 1)
                }
                bodyKind = code
                bodyStart = bodyStart ?? sectionStart
                bodyEnd = self.decoder.readerIndex
            case .footer:
                footer = try self.decoder.readMapSectionValue("footer")
            }
            if rank >= .properties && rank <= .body {
                bareEnd = self.decoder.readerIndex
            }
        }

        let start = bareStart ?? self.decoder.readerIndex
        let end = bareEnd ?? start
        let bareMessage = message.getSlice(at: message.readerIndex + start, length: end - start) ?? ByteBuffer()
        let relativeBodyStart = (bodyStart ?? end) - start
        let relativeBodyEnd = (bodyEnd ?? end) - start
        return Parsed(
            header: header,
            deliveryAnnotations: deliveryAnnotations,
            messageAnnotations: messageAnnotations,
            properties: properties,
            footer: footer,
            bareMessage: bareMessage,
            applicationPropertiesRange: applicationPropertiesRange.map {
                ($0.lowerBound - start)..<($0.upperBound - start)
            },
            bodyRange: relativeBodyStart..<relativeBodyEnd
        )
    }

    private static func rank(of code: UInt64, at offset: Int, decoder: AMQPDecoder) throws -> Rank {
        switch code {
        case AMQPDescriptor.header: return .header
        case AMQPDescriptor.deliveryAnnotations: return .deliveryAnnotations
        case AMQPDescriptor.messageAnnotations: return .messageAnnotations
        case AMQPDescriptor.properties: return .properties
        case AMQPDescriptor.applicationProperties: return .applicationProperties
        case AMQPDescriptor.data, AMQPDescriptor.amqpSequence, AMQPDescriptor.amqpValue: return .body
        case AMQPDescriptor.footer: return .footer
        default: throw decoder.error(.unexpectedDescriptor, "message section", at: offset)
        }
    }

    /// Skips a section's value after checking its constructor is one the section allows.
    private mutating func skipSectionValue(allowing formatCodes: [UInt8], _ context: String) throws {
        let valueOffset = self.decoder.offset
        guard let formatCode = self.decoder.peekByte() else {
            throw self.decoder.error(.truncated, context)
        }
        guard formatCodes.contains(formatCode) else {
            throw self.decoder.error(.unexpectedFormatCode, context, formatCode: formatCode, at: valueOffset)
        }
        try self.decoder.skipValue(depth: 1)
    }
}
