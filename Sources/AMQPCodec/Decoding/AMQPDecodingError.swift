/// Thrown when bytes from a peer are not valid AMQP 1.0. It says what was being decoded (`context`,
/// for example `"attach.name"` or `"frame"`), what was wrong (`code`) and where (`offset`, counted from
/// the start of the frame or buffer being decoded), so the engine can answer with a precise
/// `amqp:decode-error` or `amqp:connection:framing-error`.
public struct AMQPDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong. A struct over a private enum so that new codes are not a breaking change.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case truncated
            case sizeExceedsRemainingBytes
            case unknownFormatCode
            case unexpectedFormatCode
            case invalidUTF8
            case invalidCharacter
            case nestingTooDeep
            case valueOutOfRange
            case missingMandatoryField
            case unexpectedDescriptor
            case invalidArrayElement
            case invalidProtocolHeader
            case frameTooSmall
            case frameTooLarge
            case invalidDataOffset
            case unsupportedFrameType
            case unexpectedFrameBody
            case sectionOutOfOrder
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The input ended inside a value.
        public static let truncated = Code(.truncated)
        /// A declared size or count is larger than the bytes that follow.
        public static let sizeExceedsRemainingBytes = Code(.sizeExceedsRemainingBytes)
        /// A constructor byte that AMQP 1.0 does not define.
        public static let unknownFormatCode = Code(.unknownFormatCode)
        /// A valid constructor, but not one of the types this field allows.
        public static let unexpectedFormatCode = Code(.unexpectedFormatCode)
        public static let invalidUTF8 = Code(.invalidUTF8)
        /// A `char` that is not a Unicode scalar value.
        public static let invalidCharacter = Code(.invalidCharacter)
        /// Compound values nested deeper than `AMQPDecoder.maximumNestingDepth`.
        public static let nestingTooDeep = Code(.nestingTooDeep)
        /// A value that does not fit the field, such as a `ubyte` boolean of 2 or a uint field sent as a large ulong.
        public static let valueOutOfRange = Code(.valueOutOfRange)
        public static let missingMandatoryField = Code(.missingMandatoryField)
        /// A described value whose descriptor is not one the field allows.
        public static let unexpectedDescriptor = Code(.unexpectedDescriptor)
        /// An array whose element constructor or count cannot be decoded.
        public static let invalidArrayElement = Code(.invalidArrayElement)
        /// Eight bytes that do not start with "AMQP".
        public static let invalidProtocolHeader = Code(.invalidProtocolHeader)
        /// A frame size smaller than the 8-byte frame header.
        public static let frameTooSmall = Code(.frameTooSmall)
        /// A frame size above the negotiated max-frame-size; `size` and `limit` say both.
        public static let frameTooLarge = Code(.frameTooLarge)
        /// A data offset below 2 or beyond the frame.
        public static let invalidDataOffset = Code(.invalidDataOffset)
        /// A frame type other than 0x00 (AMQP) and 0x01 (SASL).
        public static let unsupportedFrameType = Code(.unsupportedFrameType)
        /// A frame body that is not exactly what the frame type allows (e.g. an empty SASL frame).
        public static let unexpectedFrameBody = Code(.unexpectedFrameBody)
        /// Message sections out of the order of part 3.2, repeated, or a body of mixed kinds.
        public static let sectionOutOfOrder = Code(.sectionOutOfOrder)

        public var description: String { self.base.rawValue }
    }

    public var code: Code
    /// What was being decoded: a type, a frame, or `performative.field`.
    public var context: String
    /// Byte offset of the failure from the start of the decoded unit (frame, message or buffer).
    public var offset: Int
    /// The constructor byte at fault, for format-code errors.
    public var formatCode: UInt8?
    /// The declared size at fault, for size errors (for frames: the frame size).
    public var size: Int?
    /// The limit the size broke, for `frameTooLarge` and `frameTooSmall`.
    public var limit: Int?

    public init(
        code: Code,
        context: String,
        offset: Int,
        formatCode: UInt8? = nil,
        size: Int? = nil,
        limit: Int? = nil
    ) {
        self.code = code
        self.context = context
        self.offset = offset
        self.formatCode = formatCode
        self.size = size
        self.limit = limit
    }

    public var description: String {
        var text = "AMQPDecodingError(\(self.code) in \(self.context) at offset \(self.offset)"
        if let formatCode = self.formatCode {
            text += ", format code 0x" + String(formatCode, radix: 16)
        }
        if let size = self.size {
            text += ", size \(size)"
        }
        if let limit = self.limit {
            text += ", limit \(limit)"
        }
        return text + ")"
    }
}
