import AMQPCodec
import BrokerCore
import BrokerStore
import NIOConcurrencyHelpers
import NIOCore

/// Receiver-side duplicate detection for messages carrying `_AMQ_DUPL_ID` (what Outpost uplinks
/// send: `NODE-ID:MESSAGE-ID`), so Outpost → Outpost forwarding is exactly once across crashes and
/// reconnects. Per node (the id up to its last `:`) the last `windowSize` ids are kept: in memory
/// as a set of `AMQPDuplicateID.Member` (integers for Outpost's ids), in the store as
/// `.duplicateIDs` records keyed by node and ring slot, so a slot is overwritten when the window
/// wraps and the store never holds more than `windowSize` records per node. The record commits in
/// the same store transaction as the message.
public final class AMQPDuplicateFilter: Sendable {
    public static let property = "_AMQ_DUPL_ID"
    public static let defaultWindowSize = 100_000

    public enum Verdict: Sendable {
        /// Seen within the window: accept without storing.
        case duplicate
        /// New: commit these operations together with the message.
        case new([StoreOperation])
    }

    struct Window {
        var ids: Set<AMQPDuplicateID.Member> = []
        var ring: [AMQPDuplicateID.Member] = []
        var nextSequence: UInt64 = 0

        /// Records `id` in the next ring slot (evicting the id that was there); nil when it is
        /// already in the window.
        mutating func admit(_ id: AMQPDuplicateID.Member, windowSize: Int) -> (sequence: UInt64, slot: Int)? {
            guard self.ids.insert(id).inserted else { return nil }
            let sequence = self.nextSequence
            self.nextSequence += 1
            let slot = Int(sequence % UInt64(windowSize))
            if slot < self.ring.count {
                self.ids.remove(self.ring[slot])
                self.ring[slot] = id
            } else {
                self.ring.append(id)
            }
            return (sequence, slot)
        }
    }

    public let windowSize: Int
    private let windows: NIOLockedValueBox<[String: Window]>

    /// Loads the windows kept in the store.
    public init(store: MessageStore, windowSize: Int = AMQPDuplicateFilter.defaultWindowSize) throws {
        self.windowSize = max(1, windowSize)
        var windows: [String: Window] = [:]
        let records = try store.read { try $0.records(.duplicateIDs) }
        var byPrefix: [String: [(sequence: UInt64, slot: Int, id: String)]] = [:]
        for record in records {
            // prefix, 0, slot (4 bytes big-endian): the slot bytes may hold zeros too.
            let separator = record.key.count - 5
            guard separator >= 0, record.key[separator] == 0, record.value.count >= 8 else { continue }
            let prefix = String(decoding: record.key[..<separator], as: UTF8.self)
            let slot = record.key[(separator + 1)...].reduce(0) { $0 << 8 | Int($1) }
            let sequence = record.value[..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let id = String(decoding: record.value[8...], as: UTF8.self)
            byPrefix[prefix, default: []].append((sequence, slot, id))
        }
        for (prefix, entries) in byPrefix {
            var window = Window()
            // The newest `windowSize` ids, placed at their slots.
            let newest = entries.sorted { $0.sequence < $1.sequence }.suffix(self.windowSize)
            window.ring = Array(repeating: .text(""), count: min(self.windowSize, Int((newest.last?.sequence ?? 0) + 1)))
            for entry in newest where entry.slot < window.ring.count {
                let member = AMQPDuplicateID(entry.id).member
                window.ring[entry.slot] = member
                window.ids.insert(member)
            }
            window.nextSequence = (newest.last?.sequence ?? 0) + 1
            windows[prefix] = window
        }
        self.windows = NIOLockedValueBox(windows)
    }

    /// The duplicate-detection id of an encoded AMQP message, if it carries one (string value).
    public static func duplicateID(in message: ByteBuffer) -> AMQPDuplicateID? {
        // Cheap pre-check for small messages: most do not carry the property.
        if message.readableBytes <= 64 * 1024, !Self.contains(Self.propertyBytes, in: message) { return nil }
        // Only this one property is read: the sections are found by skipping, the other
        // application properties by comparing their keys (the message is parsed in full once,
        // later, when it is published). Its bytes are parsed in place: no String of the whole id.
        guard let sections = try? AMQPMessageSections(indexing: message),
            let utf8 = try? sections.applicationStringProperty(Self.property),
            utf8.readableBytes > 0
        else { return nil }
        return utf8.withUnsafeReadableBytes { AMQPDuplicateID(validUTF8: $0) }
    }

    private static let propertyBytes = Array(property.utf8)

    /// Whether `needle` occurs in the readable bytes. A plain loop over raw bytes: the generic
    /// `firstRange(of:)` on a ByteBufferView went through unspecialised generic code and runtime
    /// metadata lookups, which made it the most expensive step of every AMQP publish.
    static func contains(_ needle: [UInt8], in buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { haystack in
            needle.withUnsafeBytes { pattern in
                guard let first = pattern.first, pattern.count <= haystack.count else { return pattern.isEmpty }
                var index = 0
                let lastStart = haystack.count - pattern.count
                while index <= lastStart {
                    if haystack[index] == first {
                        var offset = 1
                        while offset < pattern.count, haystack[index + offset] == pattern[offset] { offset += 1 }
                        if offset == pattern.count { return true }
                    }
                    index += 1
                }
                return false
            }
        }
    }

    /// Checks `id` and, when new, reserves it (so a concurrent copy is a duplicate too).
    public func admit(_ id: AMQPDuplicateID) -> Verdict {
        let windowSize = self.windowSize
        // Mutated in place through the dictionary: a copy of the window (100,000 ids) per message
        // made the receiving side of a long drain slower with every id.
        let admitted = self.windows.withLockedValue { windows in
            windows[id.node, default: Window()].admit(id.member, windowSize: windowSize)
        }
        guard let (sequence, slot) = admitted else { return .duplicate }
        // Record layout: key = node, 0, slot (UInt32 big-endian); value = sequence (UInt64
        // big-endian), id (UTF-8). Each array is sized once.
        let node = id.node.utf8
        var key: [UInt8] = []
        key.reserveCapacity(node.count + 5)
        key.append(contentsOf: node)
        key.append(0)
        withUnsafeBytes(of: UInt32(slot).bigEndian) { key.append(contentsOf: $0) }
        var value: [UInt8] = []
        value.reserveCapacity(8 + id.utf8Count)
        withUnsafeBytes(of: sequence.bigEndian) { value.append(contentsOf: $0) }
        id.appendUTF8(to: &value)
        return .new([.putRecord(.duplicateIDs, key: key, value: value)])
    }

    /// Convenience for an id given as a string.
    public func admit(_ id: String) -> Verdict {
        self.admit(AMQPDuplicateID(id))
    }

    /// The message with `id` was not stored after all (the publish failed): a resend must pass.
    public func forget(_ id: AMQPDuplicateID) {
        self.windows.withLockedValue { windows in
            _ = windows[id.node]?.ids.remove(id.member)
        }
    }

    public func forget(_ id: String) {
        self.forget(AMQPDuplicateID(id))
    }

    // MARK: One filter per broker

    private struct Registration: @unchecked Sendable {
        weak var broker: Broker?
        var filter: AMQPDuplicateFilter
    }

    private static let registry = NIOLockedValueBox<[Registration]>([])

    /// The filter of `broker` (loaded from its store on first use); nil when the store cannot be read.
    public static func shared(for broker: Broker) -> AMQPDuplicateFilter? {
        self.registry.withLockedValue { registrations in
            registrations.removeAll { $0.broker == nil }
            if let existing = registrations.first(where: { $0.broker === broker }) { return existing.filter }
            guard let filter = try? AMQPDuplicateFilter(store: broker.store) else { return nil }
            registrations.append(Registration(broker: broker, filter: filter))
            return filter
        }
    }
}
