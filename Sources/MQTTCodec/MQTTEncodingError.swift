/// Why the encoder refused to write a packet: the packet cannot be represented on the wire.
///
/// These are bugs or limits in what the engine asked for, never peer input.
public struct MQTTEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var code: Code
    /// The packet being encoded.
    public var packetType: MQTTPacketType
    /// The field that cannot be encoded.
    public var field: String

    public init(code: Code, packetType: MQTTPacketType, field: String) {
        self.code = code
        self.packetType = packetType
        self.field = field
    }

    public var description: String {
        "MQTTEncodingError(\(self.code), packet: \(self.packetType), field: \(self.field))"
    }
}

extension MQTTEncodingError {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case valueTooLong
            case packetTooLarge
            case missingPacketIdentifier
            case notAvailableInVersion
            case propertyNotAllowed
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A string or binary field longer than 65,535 bytes, or a number above the field's range.
        public static let valueTooLong = Code(.valueTooLong)
        /// The Remaining Length would exceed 268,435,455 bytes.
        public static let packetTooLarge = Code(.packetTooLarge)
        /// A QoS 1 or 2 PUBLISH without a Packet Identifier.
        public static let missingPacketIdentifier = Code(.missingPacketIdentifier)
        /// The packet does not exist in the chosen protocol version (AUTH in MQTT 3.1.1).
        public static let notAvailableInVersion = Code(.notAvailableInVersion)
        /// A property the specification does not allow on this packet (MQTT 5.0 section 2.2.2.2), or a
        /// second Subscription Identifier outside PUBLISH.
        public static let propertyNotAllowed = Code(.propertyNotAllowed)

        public var description: String {
            "\(self.base)"
        }
    }
}
