import NIOCore

/// A message as the store keeps it: a small broker header plus the message in the
/// encoding of the protocol it arrived with (the store never interprets the body).
public struct StoredMessage: Sendable, Equatable {
    public var id: MessageID
    public var address: String
    /// 0–9; higher is delivered first.
    public var priority: UInt8
    public var isDurable: Bool
    /// Milliseconds since 1970; nil when the message never expires.
    public var expiration: Int64?
    /// Milliseconds since 1970.
    public var creationTime: Int64
    public var origin: MessageOrigin
    /// The encoded message (for AMQP the whole message as received; for MQTT payload and properties).
    public var body: ByteBuffer

    public init(
        id: MessageID,
        address: String,
        priority: UInt8 = 4,
        isDurable: Bool = true,
        expiration: Int64? = nil,
        creationTime: Int64,
        origin: MessageOrigin = .core,
        body: ByteBuffer
    ) {
        self.id = id
        self.address = address
        self.priority = min(priority, 9)
        self.isDurable = isDurable
        self.expiration = expiration
        self.creationTime = creationTime
        self.origin = origin
        self.body = body
    }

    /// Bytes this message occupies in the store (header, address and body); the unit of
    /// queue byte counts and of `max-bytes` policies.
    public var storedSize: Int {
        Self.headerSize + self.address.utf8.count + self.body.readableBytes
    }
}

/// The protocol a message arrived with, which says how to read its body.
public struct MessageOrigin: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Created by the broker itself or by a test: the body is the payload.
    public static let core = MessageOrigin(rawValue: 0)
    public static let amqp = MessageOrigin(rawValue: 1)
    public static let mqtt = MessageOrigin(rawValue: 2)
}

extension StoredMessage {
    /// Layout of a value in the `messages` database (big-endian):
    /// ```
    /// 0       layout version (1)
    /// 1       priority 0–9
    /// 2       flags: bit 0 durable, bit 1 has expiration
    /// 3       origin protocol
    /// 4..<12  creation time, ms since 1970
    /// 12..<20 expiration, ms since 1970 (0 when none)
    /// 20..<22 address length A in bytes (UTF-8)
    /// 22..<24 reserved (0)
    /// 24..<24+A        address
    /// 24+A..<end       body
    /// ```
    static let headerSize = 24
    static let layoutVersion: UInt8 = 1
    private static let durableFlag: UInt8 = 0b01
    private static let expirationFlag: UInt8 = 0b10

    func encode(into buffer: UnsafeMutableRawBufferPointer) {
        var flags: UInt8 = 0
        if self.isDurable { flags |= Self.durableFlag }
        if self.expiration != nil { flags |= Self.expirationFlag }
        buffer.storeBytes(of: Self.layoutVersion, toByteOffset: 0, as: UInt8.self)
        buffer.storeBytes(of: self.priority, toByteOffset: 1, as: UInt8.self)
        buffer.storeBytes(of: flags, toByteOffset: 2, as: UInt8.self)
        buffer.storeBytes(of: self.origin.rawValue, toByteOffset: 3, as: UInt8.self)
        buffer.storeBytes(of: UInt64(bitPattern: self.creationTime).bigEndian, toByteOffset: 4, as: UInt64.self)
        buffer.storeBytes(of: UInt64(bitPattern: self.expiration ?? 0).bigEndian, toByteOffset: 12, as: UInt64.self)
        let addressBytes = self.address.utf8
        buffer.storeBytes(of: UInt16(addressBytes.count).bigEndian, toByteOffset: 20, as: UInt16.self)
        buffer.storeBytes(of: UInt16(0), toByteOffset: 22, as: UInt16.self)
        var offset = Self.headerSize
        for byte in addressBytes {
            buffer[offset] = byte
            offset += 1
        }
        self.body.withUnsafeReadableBytes { body in
            if body.count > 0, let base = body.baseAddress, let target = buffer.baseAddress {
                (target + offset).copyMemory(from: base, byteCount: body.count)
            }
        }
    }

    init(id: MessageID, decoding bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= Self.headerSize, bytes[0] == Self.layoutVersion else {
            throw StoreError.corrupted("message \(id): header of \(bytes.count) bytes is not layout 1")
        }
        let flags = bytes[2]
        let addressLength = Int(UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: 20, as: UInt16.self)))
        guard bytes.count >= Self.headerSize + addressLength else {
            throw StoreError.corrupted("message \(id): address length \(addressLength) exceeds the value")
        }
        let expiration = Int64(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt64.self)))
        let addressEnd = Self.headerSize + addressLength
        self.init(
            id: id,
            address: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[Self.headerSize..<addressEnd]), as: UTF8.self),
            priority: bytes[1],
            isDurable: flags & Self.durableFlag != 0,
            expiration: flags & Self.expirationFlag != 0 ? expiration : nil,
            creationTime: Int64(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt64.self))),
            origin: MessageOrigin(rawValue: bytes[3]),
            body: ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: bytes[addressEnd...]))
        )
    }
}
