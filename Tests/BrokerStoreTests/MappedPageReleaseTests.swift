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
            let read = try store.read { try $0.page(of: queue.id, after: nil, maxCount: 1000, maxBytes: .max).items.count }
            #expect(read == 200)
            // The read touched about 200 KB of the map just now; a release may already have run
            // (the commit counts too), but only the quiet one takes what the read left.
            #expect(try eventually { try residentKilobytes(ofMappingsOf: dataFile) <= 16 })
            #expect(try store.read { try $0.page(of: queue.id, after: nil, maxCount: 1000, maxBytes: .max).items.count } == 200)
        }
    }
}
