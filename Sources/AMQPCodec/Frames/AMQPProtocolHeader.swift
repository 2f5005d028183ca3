import NIOCore

/// The 8 bytes `"AMQP" id major minor revision` that open a connection and each security layer
/// (part 2.2 and 5.2): id 0 for AMQP, 2 for TLS, 3 for SASL.
public struct AMQPProtocolHeader: Hashable, Sendable {
    public struct ProtocolID: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8

        public init(rawValue: UInt8) {
            self.rawValue = rawValue
        }

        public static let amqp = ProtocolID(rawValue: 0)
        public static let tls = ProtocolID(rawValue: 2)
        public static let sasl = ProtocolID(rawValue: 3)
    }

    public var protocolID: ProtocolID
    public var major: UInt8
    public var minor: UInt8
    public var revision: UInt8

    public init(protocolID: ProtocolID, major: UInt8 = 1, minor: UInt8 = 0, revision: UInt8 = 0) {
        self.protocolID = protocolID
        self.major = major
        self.minor = minor
        self.revision = revision
    }

    /// `AMQP 0 1 0 0`
    public static let amqp = AMQPProtocolHeader(protocolID: .amqp)
    /// `AMQP 3 1 0 0`
    public static let sasl = AMQPProtocolHeader(protocolID: .sasl)
    /// `AMQP 2 1 0 0`
    public static let tls = AMQPProtocolHeader(protocolID: .tls)

    /// Whether this is version 1.0.0, the only one this codec speaks.
    public var isVersion1_0_0: Bool {
        self.major == 1 && self.minor == 0 && self.revision == 0
    }

    static let size = 8
    /// "AMQP" as a big-endian integer.
    static let prefix: UInt32 = 0x414D_5150
}

extension ByteBuffer {
    @discardableResult
    public mutating func writeAMQPProtocolHeader(_ header: AMQPProtocolHeader) -> Int {
        self.writeInteger(AMQPProtocolHeader.prefix)
        self.writeInteger(header.protocolID.rawValue)
        self.writeInteger(header.major)
        self.writeInteger(header.minor)
        self.writeInteger(header.revision)
        return AMQPProtocolHeader.size
    }
}
