import NIOCore

/// Why the decoder rejected the bytes a peer sent.
///
/// The engine closes the connection on any of these; ``reasonCode`` is the MQTT 5.0 reason code to put
/// in the CONNACK (before the session exists) or DISCONNECT it sends first.
public struct MQTTDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, independent of the packet and field.
    public var code: Code
    /// The packet being decoded, or nil when the fixed header itself was unreadable.
    public var packetType: MQTTPacketType?
    /// The field that failed, in the specification's words ("Topic Name", "Property Length").
    public var field: String
    /// Extra facts, such as the offending size and the limit.
    public var detail: String?
    /// The whole offending packet, fixed header included, when it had been framed.
    public var packetBytes: ByteBuffer?

    public init(
        code: Code,
        packetType: MQTTPacketType?,
        field: String,
        detail: String? = nil,
        packetBytes: ByteBuffer? = nil
    ) {
        self.code = code
        self.packetType = packetType
        self.field = field
        self.detail = detail
        self.packetBytes = packetBytes
    }

    /// The MQTT 5.0 reason code that describes this error to the peer.
    public var reasonCode: MQTTReasonCode { self.code.reasonCode }

    public var description: String {
        var text = "MQTTDecodingError(\(self.code), packet: \(self.packetType.map { "\($0)" } ?? "unknown")"
        text += ", field: \(self.field), reason code: \(self.reasonCode)"
        if let detail = self.detail {
            text += ", \(detail)"
        }
        return text + ")"
    }
}

extension MQTTDecodingError {
    /// The kinds of decoding failure. A struct over a private enum so new kinds do not break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case reservedPacketType
            case invalidFixedHeaderFlags
            case malformedVariableByteInteger
            case packetTooLarge
            case truncated
            case trailingBytes
            case invalidUTF8
            case nullCharacterInString
            case invalidQoS
            case invalidProtocolName
            case unsupportedProtocolVersion
            case invalidConnectFlags
            case invalidConnAckFlags
            case unknownProperty
            case propertyNotAllowed
            case duplicateProperty
            case invalidPropertyValue
            case invalidReasonCode
            case topicNameInvalid
            case topicFilterInvalid
            case zeroPacketIdentifier
            case invalidSubscriptionOptions
            case emptyPayload
            case payloadFormatInvalid
            case protocolVersionUnknown
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// Bits 7-4 of the first byte are 0, or 15 in MQTT 3.1.1.
        public static let reservedPacketType = Code(.reservedPacketType)
        /// Fixed header flags differ from what the packet type requires (MQTT 5.0 section 2.1.3).
        public static let invalidFixedHeaderFlags = Code(.invalidFixedHeaderFlags)
        /// A Variable Byte Integer is longer than 4 bytes or not minimally encoded (section 1.5.5).
        public static let malformedVariableByteInteger = Code(.malformedVariableByteInteger)
        /// The packet is larger than the configured maximum packet size.
        public static let packetTooLarge = Code(.packetTooLarge)
        /// A field runs past the end of the packet as given by the Remaining Length.
        public static let truncated = Code(.truncated)
        /// Bytes are left over after the last field of the packet.
        public static let trailingBytes = Code(.trailingBytes)
        /// A UTF-8 Encoded String is not well-formed UTF-8, or encodes a surrogate (section 1.5.4).
        public static let invalidUTF8 = Code(.invalidUTF8)
        /// A UTF-8 Encoded String contains U+0000 (section 1.5.4).
        public static let nullCharacterInString = Code(.nullCharacterInString)
        /// A QoS field holds 3.
        public static let invalidQoS = Code(.invalidQoS)
        /// CONNECT does not start with the protocol name "MQTT".
        public static let invalidProtocolName = Code(.invalidProtocolName)
        /// CONNECT asks for a protocol level other than 4 or 5; reply CONNACK 0x84 (0x01 in 3.1.1 format).
        public static let unsupportedProtocolVersion = Code(.unsupportedProtocolVersion)
        /// CONNECT flags are inconsistent: reserved bit, will flags, password without user name in 3.1.1.
        public static let invalidConnectFlags = Code(.invalidConnectFlags)
        /// CONNACK acknowledge flags have reserved bits set.
        public static let invalidConnAckFlags = Code(.invalidConnAckFlags)
        /// A property identifier the specification does not define.
        public static let unknownProperty = Code(.unknownProperty)
        /// A property that the specification does not allow on this packet (section 2.2.2.2).
        public static let propertyNotAllowed = Code(.propertyNotAllowed)
        /// A single-valued property occurs more than once.
        public static let duplicateProperty = Code(.duplicateProperty)
        /// A property value outside its allowed range, such as Receive Maximum 0.
        public static let invalidPropertyValue = Code(.invalidPropertyValue)
        /// A reason code the specification does not list for this packet.
        public static let invalidReasonCode = Code(.invalidReasonCode)
        /// A Topic Name that is empty or contains a wildcard.
        public static let topicNameInvalid = Code(.topicNameInvalid)
        /// A Topic Filter that is empty.
        public static let topicFilterInvalid = Code(.topicFilterInvalid)
        /// A Packet Identifier of 0 where a non-zero one is required (section 2.2.1).
        public static let zeroPacketIdentifier = Code(.zeroPacketIdentifier)
        /// Reserved bits, QoS 3 or Retain Handling 3 in a subscription options byte (section 3.8.3.1).
        public static let invalidSubscriptionOptions = Code(.invalidSubscriptionOptions)
        /// SUBSCRIBE or UNSUBSCRIBE without a single topic filter.
        public static let emptyPayload = Code(.emptyPayload)
        /// The payload is not UTF-8 although the Payload Format Indicator says it is.
        public static let payloadFormatInvalid = Code(.payloadFormatInvalid)
        /// A packet other than CONNECT arrived before the protocol version was known.
        public static let protocolVersionUnknown = Code(.protocolVersionUnknown)

        /// The one place that maps decoding failures to MQTT 5.0 reason codes (section 4.13).
        public var reasonCode: MQTTReasonCode {
            switch self.base {
            case .reservedPacketType, .invalidFixedHeaderFlags, .malformedVariableByteInteger, .truncated,
                .trailingBytes, .invalidUTF8, .nullCharacterInString, .invalidQoS, .invalidConnectFlags,
                .invalidConnAckFlags, .unknownProperty, .propertyNotAllowed, .invalidReasonCode,
                .invalidSubscriptionOptions, .topicFilterInvalid:
                return .malformedPacket
            case .duplicateProperty, .invalidPropertyValue, .zeroPacketIdentifier, .emptyPayload,
                .protocolVersionUnknown:
                return .protocolError
            case .invalidProtocolName, .unsupportedProtocolVersion:
                return .unsupportedProtocolVersion
            case .packetTooLarge:
                return .packetTooLarge
            case .topicNameInvalid:
                return .topicNameInvalid
            case .payloadFormatInvalid:
                return .payloadFormatInvalid
            }
        }

        public var description: String {
            "\(self.base)"
        }
    }
}
