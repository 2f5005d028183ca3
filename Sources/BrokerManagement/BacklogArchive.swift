import BrokerStore
import Foundation
import NIOCore

/// `outpost data export` / `data import`: a backlog as JSON lines, straight from and to a
/// store that no daemon holds.
///
/// Layout: the first line is a `Header` (format, version, queue definitions); each further
/// line is one message of one queue (`ArchivedMessage`: the `MessageView` fields plus
/// `queue`), with `raw` holding the stored bytes, so import rebuilds the message exactly
/// (body, priority, expiry, creation time, origin). Lines of a queue are in delivery order.
public enum BacklogArchive {
    public static let format = "outpost-backlog"
    public static let version = 1

    public struct Header: Codable, Sendable {
        public var format: String
        public var version: Int
        /// ms since 1970.
        public var exportedAt: Int64
        public var queues: [QueueDefinition]
    }

    public struct QueueDefinition: Codable, Sendable, Equatable {
        public var name: String
        public var address: String
        public var routingType: String
        public var durable: Bool
        public var filter: String
        /// The subscription's message selector; absent when it takes everything.
        public var selector: String?
        public var messages: Int
    }

    /// One message line: the message view with `raw`, and its queue.
    public struct ArchivedMessage: Codable, Sendable {
        public var queue: String
        public var message: MessageView

        public init(queue: String, message: MessageView) {
            self.queue = queue
            self.message = message
        }

        enum CodingKeys: String, CodingKey { case queue }

        public init(from decoder: any Decoder) throws {
            self.queue = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .queue)
            self.message = try MessageView(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            try self.message.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.queue, forKey: .queue)
        }
    }

    public struct Counts: Sendable, Equatable {
        public var queues: Int
        public var messages: Int
        public var bytes: Int

        public init(queues: Int, messages: Int, bytes: Int) {
            self.queues = queues
            self.messages = messages
            self.bytes = bytes
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    // MARK: Export

    /// Writes the messages of `queueNames` (every queue when nil) to `file`, then syncs it.
    /// Reads in pages, one snapshot each, so memory stays flat whatever the backlog.
    public static func export(
        store: MessageStore,
        queueNames: [String]?,
        to file: DurableFile,
        now: Int64,
        progress: (Int) -> Void = { _ in }
    ) throws -> Counts {
        var records = store.queues.values.sorted { $0.id < $1.id }
        if let queueNames {
            let missing = queueNames.filter { name in !records.contains { $0.name == name } }
            guard missing.isEmpty else {
                throw BacklogArchiveError("no queue named \(missing.map { "'\($0)'" }.joined(separator: ", ")) in \(store.configuration.directory) (queues: \(records.map(\.name).joined(separator: ", ")))")
            }
            records = records.filter { queueNames.contains($0.name) }
        }
        let header = Header(
            format: Self.format,
            version: Self.version,
            exportedAt: now,
            queues: records.map {
                QueueDefinition(
                    name: $0.name,
                    address: $0.address,
                    routingType: $0.routingType == .anycast ? "anycast" : "multicast",
                    durable: $0.isDurable,
                    filter: $0.filter,
                    selector: $0.selector.isEmpty ? nil : $0.selector,
                    messages: Int($0.messageCount)
                )
            }
        )
        try file.write(Array(try Self.encoder.encode(header)) + [UInt8(ascii: "\n")])
        var counts = Counts(queues: records.count, messages: 0, bytes: 0)
        for record in records {
            var after: EntryKey?
            while true {
                let page = try store.read { reader in
                    try reader.page(of: record.id, after: after, maxCount: 1000, maxBytes: 8 << 20)
                }
                var chunk: [UInt8] = []
                for item in page.items {
                    let view = MessageView(item.message, key: nil, deliveryCount: item.entry.deliveryCount, includeRaw: true)
                    chunk += try Self.encoder.encode(ArchivedMessage(queue: record.name, message: view))
                    chunk.append(UInt8(ascii: "\n"))
                    counts.messages += 1
                    counts.bytes += item.message.body.readableBytes
                }
                try file.write(chunk)
                progress(counts.messages)
                guard let last = page.items.last, !page.reachedEnd else { break }
                after = last.entry.key
            }
        }
        try file.sync()
        return counts
    }

    // MARK: Import

    /// Recreates the queues of an archive (or reuses same-named ones) and stores its
    /// messages in file order, so each queue keeps its delivery order. Commits in batches.
    public static func importArchive(
        lines: some Sequence<Substring>,
        into store: MessageStore,
        progress: (Int) -> Void = { _ in }
    ) async throws -> Counts {
        var iterator = lines.makeIterator()
        guard let first = iterator.next() else { throw BacklogArchiveError("the file is empty") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(first.utf8))
        } catch {
            throw BacklogArchiveError("the first line is not an outpost backlog header (made by `outpost data export`): \(error)")
        }
        guard header.format == Self.format, header.version == Self.version else {
            throw BacklogArchiveError("unsupported archive \(header.format) version \(header.version); this outpost reads \(Self.format) version \(Self.version)")
        }

        // Queues: reuse by name (same definition), else create.
        var queueIDs: [String: QueueID] = [:]
        var setup: [StoreOperation] = []
        let existingAddresses = try store.read { try $0.addresses() }
        var addressTypes = Dictionary(existingAddresses.map { ($0.name, $0.routingTypes) }, uniquingKeysWith: { $0.union($1) })
        for definition in header.queues {
            let routingType: QueueRecord.RoutingType = definition.routingType == "multicast" ? .multicast : .anycast
            if let existing = store.queues.values.first(where: { $0.name == definition.name }) {
                guard existing.address == definition.address, existing.routingType == routingType else {
                    throw BacklogArchiveError("queue '\(definition.name)' exists here on address '\(existing.address)' with another definition; delete it or import elsewhere")
                }
                queueIDs[definition.name] = existing.id
                continue
            }
            let record = QueueRecord(
                id: store.nextQueueID(),
                name: definition.name,
                address: definition.address,
                routingType: routingType,
                isDurable: definition.durable,
                filter: definition.filter,
                selector: definition.selector ?? ""
            )
            queueIDs[definition.name] = record.id
            let wanted: AddressRecord.RoutingTypes = routingType == .anycast ? .anycast : .multicast
            let current = addressTypes[definition.address] ?? []
            if !current.isSuperset(of: wanted), !Self.hasWildcards(definition.address) {
                addressTypes[definition.address] = current.union(wanted)
                setup.append(.putAddress(AddressRecord(name: definition.address, routingTypes: current.union(wanted))))
            }
            setup.append(.createQueue(record))
        }
        if !setup.isEmpty { _ = try await store.commit(setup) }

        var counts = Counts(queues: header.queues.count, messages: 0, bytes: 0)
        var batch: [StoreOperation] = []
        var lineNumber = 1
        let decoder = JSONDecoder()
        while let line = iterator.next() {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let archived: ArchivedMessage
            do {
                archived = try decoder.decode(ArchivedMessage.self, from: Data(line.utf8))
            } catch {
                throw BacklogArchiveError("line \(lineNumber) is not a message of the archive: \(error); nothing after line \(lineNumber - 1) was imported")
            }
            guard let queueID = queueIDs[archived.queue] else {
                throw BacklogArchiveError("line \(lineNumber): queue '\(archived.queue)' is not in the header")
            }
            let view = archived.message
            guard let raw = view.raw, let bytes = Data(base64Encoded: raw) else {
                throw BacklogArchiveError("line \(lineNumber): no 'raw' stored bytes (was this made by `outpost data export`?)")
            }
            guard let origin = MessageBodyDecoder.origin(named: view.origin) else {
                throw BacklogArchiveError("line \(lineNumber): unknown origin '\(view.origin)'")
            }
            let message = StoredMessage(
                id: store.nextMessageID(),
                address: view.address,
                priority: UInt8(clamping: view.priority),
                isDurable: view.durable,
                expiration: view.expiration,
                creationTime: view.creationTime,
                origin: origin,
                body: ByteBuffer(bytes: bytes)
            )
            batch.append(.storeMessage(message, queues: [queueID]))
            if view.deliveryCount > 0 {
                batch.append(.setDeliveryCount(EntryKey(queue: queueID, priority: message.priority, message: message.id), UInt32(clamping: view.deliveryCount)))
            }
            counts.messages += 1
            counts.bytes += bytes.count
            if batch.count >= 1000 {
                _ = try await store.commit(batch)
                batch.removeAll(keepingCapacity: true)
                progress(counts.messages)
            }
        }
        if !batch.isEmpty { _ = try await store.commit(batch) }
        progress(counts.messages)
        return counts
    }

    private static func hasWildcards(_ address: String) -> Bool {
        address.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == "+" || $0 == "#" }
    }
}

public struct BacklogArchiveError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
