@testable import BrokerStore
import BrokerTestSupport
import NIOConcurrencyHelpers
import Testing

@Suite("Store intake")
struct StoreIntakeTests {
    @Test func backedUpOverTheHighWatermarkAndDrainedAtTheLowOne() {
        let intake = StoreIntake(highWatermark: 100)
        let calls = NIOLockedValueBox(0)
        intake.submitted(bytes: 100)
        #expect(!intake.isBackedUp)  // at the watermark is not over it
        intake.submitted(bytes: 20)
        #expect(intake.isBackedUp)
        intake.whenDrained { calls.withLockedValue { $0 += 1 } }
        #expect(calls.withLockedValue { $0 } == 0)
        intake.finished(bytes: 60)  // 60 left: under the high watermark, over the low one (50)
        #expect(!intake.isBackedUp)
        #expect(calls.withLockedValue { $0 } == 0)
        intake.finished(bytes: 10)
        #expect(calls.withLockedValue { $0 } == 1)
        intake.finished(bytes: 50)
        #expect(calls.withLockedValue { $0 } == 1)  // each waiter is called once
        #expect(intake.pending == 0)
        #expect(intake.pausedProducers == 1)
    }

    @Test func aWaiterOfAnAlreadyDrainedIntakeIsCalledAtOnce() {
        let intake = StoreIntake(highWatermark: 100)
        intake.submitted(bytes: 50)
        let called = NIOLockedValueBox(false)
        intake.whenDrained { called.withLockedValue { $0 = true } }
        #expect(called.withLockedValue { $0 })
    }

    @Test(arguments: allSyncModes)
    func theWriterReleasesWhatItCommitsAndWhatItRefuses(_ mode: StoreConfiguration.SyncMode) async throws {
        try await withStoreFixture(mode, maxSize: 1 << 20, initialMapSize: 256 << 10) { fixture in
            let store = try fixture.open()
            defer { store.close() }
            let queue = try await createQueue(store, name: "orders")
            var refused = 0
            // 4 KiB bodies into a 1 MiB store: the first commit, then refusals once it is full.
            for _ in 0..<400 {
                do {
                    _ = try await store.commit([.storeMessage(makeMessage(store, bodyLength: 4096), queues: [queue.id])])
                } catch let error as StoreError where error.kind == .full {
                    refused += 1
                }
            }
            #expect(refused > 0)
            #expect(eventually { store.intake.pending == 0 })
        }
    }
}
