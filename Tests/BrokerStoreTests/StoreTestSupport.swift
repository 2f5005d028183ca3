import BrokerStore
import BrokerTestSupport
import Foundation
import NIOCore
import Testing

/// Every store configuration the conformance suites run against (nats-server runs one
/// store suite over every store permutation in the same way).
let allSyncModes: [StoreConfiguration.SyncMode] = [.lmdbDefault, .singleExplicitSync]

/// A store in a test's temporary directory, with small map sizes so tests stay fast.
struct StoreFixture {
    let directory: TemporaryDirectory
    var syncMode: StoreConfiguration.SyncMode
    var maxSize: Int = 64 << 20
    var initialMapSize: Int = 1 << 20

    var storePath: String { self.directory.appending("store") }

    var configuration: StoreConfiguration {
        StoreConfiguration(
            directory: self.storePath,
            maxSize: self.maxSize,
            initialMapSize: self.initialMapSize,
            syncMode: self.syncMode
        )
    }

    func open() throws -> MessageStore {
        try MessageStore(configuration: self.configuration)
    }

    /// Closes `store`, opens the directory again and returns the new store.
    func reopen(_ store: MessageStore) throws -> MessageStore {
        store.close()
        return try self.open()
    }
}

/// Runs `body` with a fixture in a new temporary directory, removed afterwards.
func withStoreFixture<Result>(
    _ syncMode: StoreConfiguration.SyncMode,
    maxSize: Int = 64 << 20,
    initialMapSize: Int = 1 << 20,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (StoreFixture) async throws -> Result
) async throws -> Result {
    try await withTemporaryDirectory(prefix: "outpost-store") { directory in
        try await body(StoreFixture(directory: directory, syncMode: syncMode, maxSize: maxSize, initialMapSize: initialMapSize))
    }
}

/// The body of message `id` with `length` bytes: a pattern derived from the id, so a
/// mixed-up or truncated body is detected.
func testBody(id: MessageID, length: Int) -> ByteBuffer {
    let seed = id.rawValue &* 31
    return ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: seed &+ UInt64($0)) })
}

func makeMessage(
    _ store: MessageStore,
    address: String = "orders",
    priority: UInt8 = 4,
    bodyLength: Int = 100,
    isDurable: Bool = true,
    expiration: Int64? = nil,
    origin: MessageOrigin = .core
) -> StoredMessage {
    let id = store.nextMessageID()
    return StoredMessage(
        id: id,
        address: address,
        priority: priority,
        isDurable: isDurable,
        expiration: expiration,
        creationTime: 1_700_000_000_000 + Int64(id.rawValue),
        origin: origin,
        body: testBody(id: id, length: bodyLength)
    )
}

@discardableResult
func createQueue(
    _ store: MessageStore,
    name: String,
    address: String? = nil,
    routingType: QueueRecord.RoutingType = .anycast,
    isDurable: Bool = true,
    filter: String = ""
) async throws -> QueueRecord {
    let record = QueueRecord(
        id: store.nextQueueID(),
        name: name,
        address: address ?? name,
        routingType: routingType,
        isDurable: isDurable,
        filter: filter
    )
    _ = try await store.commit([.createQueue(record)])
    return record
}

/// Stores each message in `queues`, one operation per message, in one commit.
func store(_ messages: [StoredMessage], in queues: [QueueID], _ store: MessageStore) async throws {
    _ = try await store.commit(messages.map { .storeMessage($0, queues: queues) })
}

extension StoredMessage {
    func entryKey(in queue: QueueID) -> EntryKey {
        EntryKey(queue: queue, priority: self.priority, message: self.id)
    }
}

extension MessageStore {
    /// Every entry of `queue` in delivery order.
    func allEntries(of queue: QueueID) throws -> [StoredEntry] {
        try self.read { reader in
            var entries: [StoredEntry] = []
            try reader.walk(queue: queue) { entries.append($0); return true }
            return entries
        }
    }

    func storedMessageCount() throws -> Int {
        try self.read { try $0.messageCount() }
    }

    func message(_ id: MessageID) throws -> StoredMessage? {
        try self.read { try $0.message(id) }
    }

    /// The queue record as stored on disk (not the writer's in-memory copy).
    func diskRecord(_ id: QueueID) throws -> QueueRecord? {
        try self.read { try $0.queues().first { $0.id == id } }
    }
}

/// Expects `body` to throw a ``StoreError`` of `kind`, and returns it.
@discardableResult
func expectStoreError<R>(
    _ kind: StoreError.Kind,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> R
) async -> StoreError? {
    do {
        _ = try await body()
        Issue.record("expected StoreError of kind \(kind), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        #expect(error.kind == kind, "expected kind \(kind), got \(error.kind): \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StoreError of kind \(kind), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Waits until `condition` holds, polling, and fails the test after `timeout`.
func waitUntil(
    timeout: Duration = .seconds(10),
    _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () throws -> Bool
) async rethrows {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        if ContinuousClock.now >= deadline {
            Issue.record("timed out after \(timeout) waiting for \(what())", sourceLocation: sourceLocation)
            return
        }
        await Task.yield()
        try? await Task.sleep(for: .milliseconds(1))
    }
}
