import AMQPCodec
import BrokerCore
import BrokerStore
import NIOConcurrencyHelpers
import NIOCore

/// Receiver-side duplicate detection for messages carrying `_AMQ_DUPL_ID` (what Outpost uplinks
/// send: `NODE-ID:MESSAGE-ID`), so Outpost → Outpost forwarding is exactly once across crashes and
/// reconnects. Per node prefix (the id up to its last `:`) the last `windowSize` ids are kept:
/// in memory as a set, in the store as `.duplicateIDs` records keyed by prefix and ring slot, so a
/// slot is overwritten when the window wraps and the store never holds more than `windowSize`
/// records per node. The record commits in the same store transaction as the message.
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
        var ids: Set<String> = []
        var ring: [String] = []
        var nextSequence: UInt64 = 0

        /// Records `id` in the next ring slot (evicting the id that was there); nil when it is
        /// already in the window.
        mutating func admit(_ id: String, windowSize: Int) -> (sequence: UInt64, slot: Int)? {
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
            window.ring = Array(repeating: "", count: min(self.windowSize, Int((newest.last?.sequence ?? 0) + 1)))
            for entry in newest where entry.slot < window.ring.count {
                window.ring[entry.slot] = entry.id
                window.ids.insert(entry.id)
            }
            window.nextSequence = (newest.last?.sequence ?? 0) + 1
            windows[prefix] = window
        }
        self.windows = NIOLockedValueBox(windows)
    }

    /// The duplicate-detection id of an encoded AMQP message, if it carries one (string value).
    public static func duplicateID(in message: ByteBuffer) -> String? {
        // Cheap pre-check for small messages: most do not carry the property.
        if message.readableBytes <= 64 * 1024, !Self.contains(Self.propertyBytes, in: message) { return nil }
        // Only this one property is read: the sections are found by skipping, the other
        // application properties by comparing their keys (the message is parsed in full once,
        // later, when it is published).
        guard let sections = try? AMQPMessageSections(indexing: message),
            case .string(let id)?? = try? sections.applicationProperty(Self.property),
            !id.isEmpty
        else { return nil }
        return id
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
    public func admit(_ id: String) -> Verdict {
        let prefix = id.lastIndex(of: ":").map { String(id[..<$0]) } ?? ""
        let windowSize = self.windowSize
        // Mutated in place through the dictionary: a copy of the window (100,000 ids) per message
        // made the receiving side of a long drain slower with every id.
        let admitted = self.windows.withLockedValue { windows in
            windows[prefix, default: Window()].admit(id, windowSize: windowSize)
        }
        guard let (sequence, slot) = admitted else { return .duplicate }
        var key = Array(prefix.utf8)
        key.append(0)
        key.append(contentsOf: withUnsafeBytes(of: UInt32(slot).bigEndian, Array.init))
        var value = withUnsafeBytes(of: sequence.bigEndian, Array.init)
        value.append(contentsOf: id.utf8)
        return .new([.putRecord(.duplicateIDs, key: key, value: value)])
    }

    /// The message with `id` was not stored after all (the publish failed): a resend must pass.
    public func forget(_ id: String) {
        let prefix = id.lastIndex(of: ":").map { String(id[..<$0]) } ?? ""
        self.windows.withLockedValue { windows in
            _ = windows[prefix]?.ids.remove(id)
        }
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
