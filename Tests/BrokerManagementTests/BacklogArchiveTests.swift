import BrokerCore
import BrokerManagement
import BrokerStore
import BrokerTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing

@Suite struct BacklogArchiveTests {
    @Test func exportThenImportMovesABacklogIntact() async throws {
        let source = try TestBroker()
        for index in 0..<30 { try source.publish("orders", "order \(index)", priority: index % 3 == 0 ? 8 : 4) }
        try source.publish("orders", "expiring", expiration: 1_800_000_000_000)
        try source.publish("telemetry", "t1")
        let expected = try source.broker.queue(named: "orders")!.browse(limit: 100)

        let directory = try TemporaryDirectory(prefix: "outpost-archive")
        defer { directory.remove() }
        let path = directory.appending("backlog.jsonl")
        let counts = try BacklogArchive.export(store: source.store, queueNames: nil, to: try DurableFile(appendingTo: path), now: 0)
        #expect(counts.messages == 32)
        #expect(counts.queues == 2)

        let target = StoreConfiguration(directory: directory.appending("target"), maxSize: 64 << 20, initialMapSize: 4 << 20)
        let store = try MessageStore(configuration: target)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let imported = try await BacklogArchive.importArchive(lines: text.split(separator: "\n", omittingEmptySubsequences: false), into: store)
        #expect(imported.messages == 32)
        store.close()

        // Open it as a node would and compare order, bodies, priorities, expiry, creation times.
        let reopened = try MessageStore(configuration: target)
        defer { reopened.close() }
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        let broker = try Broker(store: reopened, threadPool: pool)
        let orders = try #require(broker.queue(named: "orders"))
        #expect(orders.statistics.messageCount == 31)
        let got = try orders.browse(limit: 100)
        #expect(got.map { String(buffer: $0.message.body) } == expected.map { String(buffer: $0.message.body) })
        #expect(got.map(\.message.priority) == expected.map(\.message.priority))
        #expect(got.map(\.message.expiration) == expected.map(\.message.expiration))
        #expect(got.map(\.message.creationTime) == expected.map(\.message.creationTime))
        #expect(broker.queue(named: "telemetry")?.statistics.messageCount == 1)
    }

    @Test func exportOfOneQueueAndUnknownQueues() throws {
        let source = try TestBroker()
        try source.publish("a", "1")
        try source.publish("b", "2")
        let directory = try TemporaryDirectory(prefix: "outpost-archive")
        defer { directory.remove() }
        let counts = try BacklogArchive.export(store: source.store, queueNames: ["b"], to: try DurableFile(appendingTo: directory.appending("b.jsonl")), now: 0)
        #expect(counts == BacklogArchive.Counts(queues: 1, messages: 1, bytes: 1))
        #expect(throws: BacklogArchiveError.self) {
            _ = try BacklogArchive.export(store: source.store, queueNames: ["nope"], to: try DurableFile(appendingTo: directory.appending("n.jsonl")), now: 0)
        }
    }

    @Test func importRejectsWhatIsNotAnArchive() async throws {
        let directory = try TemporaryDirectory(prefix: "outpost-archive")
        defer { directory.remove() }
        let store = try MessageStore(configuration: StoreConfiguration(directory: directory.appending("data"), maxSize: 16 << 20, initialMapSize: 4 << 20))
        defer { store.close() }
        await #expect(throws: BacklogArchiveError.self) {
            _ = try await BacklogArchive.importArchive(lines: [#"{"id": 1}"#[...]], into: store)
        }
    }
}

@Suite struct ManagementTokenTests {
    @Test func createdOnceWithMode0600() throws {
        let directory = try TemporaryDirectory(prefix: "outpost-token")
        defer { directory.remove() }
        let token = try ManagementToken.loadOrCreate(inDataDirectory: directory.path)
        #expect(token.count == 64)
        #expect(token.allSatisfy { $0.isHexDigit })
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appending("management.token"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try ManagementToken.loadOrCreate(inDataDirectory: directory.path) == token)
        #expect(ManagementToken.generate() != ManagementToken.generate())
    }
}
