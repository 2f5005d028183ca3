import BrokerStore
import BrokerTestSupport
import Foundation
import Testing

/// Pages of the store's map that reads touched leave the process (see `MappedPageRelease`).
@Suite("Mapped page release")
struct MappedPageReleaseTests {
    /// Fewer touched pages than the release threshold: the writer releases them once the store
    /// has been quiet for a moment, instead of leaving them mapped until the next burst.
    @Test func pagesTouchedByABurstAreReleasedWhenTheStoreFallsQuiet() async throws {
        try await withStoreFixture(.lmdbDefault) { fixture in
            let store = try fixture.open()
            defer { store.close() }
            let queue = try await createQueue(store, name: "orders")
            let messages = (0..<200).map { _ in makeMessage(store, bodyLength: 1000) }
            _ = try await store.commit(messages.map { .storeMessage($0, queues: [queue.id]) })
            let dataFile = URL(fileURLWithPath: fixture.storePath).appendingPathComponent("data.mdb").resolvingSymlinksInPath().path
            // What the commit touched goes once the writer has been idle for a moment ...
            #expect(try eventually { try residentKilobytes(ofMappingsOf: dataFile) <= 16 })
            // ... and so does what a read touches afterwards, while the writer has nothing to do.
            let read = try store.read { try $0.page(of: queue.id, after: nil, maxCount: 1000, maxBytes: .max).items.count }
            #expect(read == 200)
            #expect(try eventually { try residentKilobytes(ofMappingsOf: dataFile) <= 16 })
            #expect(try store.read { try $0.page(of: queue.id, after: nil, maxCount: 1000, maxBytes: .max).items.count } == 200)
        }
    }

    /// A read of a long backlog releases what it touched as it goes, not only when it ends (one
    /// touched page can map a whole large folio of the page cache).
    @Test func aLongReadReleasesPagesBeforeItEnds() async throws {
        try await withStoreFixture(.lmdbDefault) { fixture in
            let store = try fixture.open()
            defer { store.close() }
            let queue = try await createQueue(store, name: "orders")
            for _ in 0..<20 {
                let batch = (0..<1_000).map { _ in makeMessage(store, bodyLength: 1_000) }
                _ = try await store.commit(batch.map { .storeMessage($0, queues: [queue.id]) })
            }
            let dataFile = URL(fileURLWithPath: fixture.storePath).appendingPathComponent("data.mdb").resolvingSymlinksInPath().path
            let (read, residentAtEnd) = try store.read { reader in
                let count = try reader.page(of: queue.id, after: nil, maxCount: 40_000, maxBytes: .max).items.count
                return (count, try residentKilobytes(ofMappingsOf: dataFile))
            }
            #expect(read == 20_000)
            // About 20 MiB of messages were read; without releases on the way all of it stays
            // mapped, with them at most the release threshold (4 MiB) and what one look misses.
            #expect(residentAtEnd < 10 << 10)
        }
    }
}
