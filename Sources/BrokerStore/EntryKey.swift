/// The position of one message in one queue: the key of the `entries` database.
///
/// On disk (13 bytes, big-endian so that byte order is delivery order):
/// ```
/// 0..<4   queue id
/// 4       255 - priority   (priority 9 sorts first)
/// 5..<13  message id       (FIFO within a priority)
/// ```
public struct EntryKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var queue: QueueID
    public var priority: UInt8
    public var message: MessageID

    public static let encodedSize = 13

    public init(queue: QueueID, priority: UInt8, message: MessageID) {
        self.queue = queue
        self.priority = priority
        self.message = message
    }

    /// Delivery order inside one queue: higher priority first, then older first.
    public static func < (lhs: EntryKey, rhs: EntryKey) -> Bool {
        if lhs.queue != rhs.queue { return lhs.queue < rhs.queue }
        if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
        return lhs.message < rhs.message
    }

    public var description: String { "\(self.queue)/p\(self.priority)/\(self.message)" }

    /// One word instead of the three fields: a queue holds a message once, so the queue and the
    /// message id tell keys apart (the priority is the message's). Queues keep sets and
    /// dictionaries of keys that every delivery hashes several times.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.message.rawValue ^ (UInt64(self.queue.rawValue) &* 0x9E37_79B9_7F4A_7C15))
    }

    @inline(__always)
    func withEncoded<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var bytes: (UInt64, UInt64) = (0, 0)
        return try withUnsafeMutableBytes(of: &bytes) { buffer in
            buffer.storeBytes(of: self.queue.rawValue.bigEndian, toByteOffset: 0, as: UInt32.self)
            buffer.storeBytes(of: 255 &- min(self.priority, 9), toByteOffset: 4, as: UInt8.self)
            buffer.storeBytes(of: self.message.rawValue.bigEndian, toByteOffset: 5, as: UInt64.self)
            return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<Self.encodedSize]))
        }
    }

    init?(decoding bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.encodedSize else { return nil }
        self.queue = QueueID(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        self.priority = 255 &- bytes[4]
        self.message = MessageID(UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 5, as: UInt64.self)))
    }

    /// The smallest key of `queue`: where a cursor starts to walk it.
    static func firstKey(of queue: QueueID) -> EntryKey {
        EntryKey(queue: queue, priority: 9, message: MessageID(0))
    }
}
