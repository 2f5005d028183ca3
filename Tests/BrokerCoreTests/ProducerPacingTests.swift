import BrokerStore
import NIOCore
import Testing

@testable import BrokerCore

/// When a producer that can wait (MQTT QoS 0) is held instead of having its message paged.
@Suite("Producer pacing")
struct ProducerPacingTests {
    func entry(_ id: UInt64) -> QueueEntry { QueueFixture.entry(id, durable: false) }

    /// A queue with a window of 2 holding entries 1 and 2, and a consumer without credit.
    func fullQueue() -> QueueStateMachine {
        var machine = QueueFixture.machine(window: 2)
        var actions = QueueStateMachine.Actions()
        for id in UInt64(1)...2 {
            _ = machine.reserve(self.entry(id).key, size: self.entry(id).size, actions: &actions)
            _ = machine.entryArrived(self.entry(id), commit: 0, now: 0)
        }
        _ = machine.addConsumer(0, credit: 0, now: 0)
        return machine
    }

    @Test func aProducerWaitsWhileTheWindowIsFullAndGoesOnAtHalf() {
        var machine = self.fullQueue()
        #expect(machine.producerShouldWait)
        #expect(!machine.producerMayGoOn)
        _ = machine.addCredit(1, to: 0, now: 0)  // one taken: the window is at half
        #expect(machine.producerMayGoOn)
        #expect(!machine.producerShouldWait)
    }

    @Test func nobodyWaitsForAQueueWithoutConsumers() {
        var machine = self.fullQueue()
        _ = machine.removeConsumer(0, now: 0)
        #expect(!machine.producerShouldWait)
        #expect(machine.producerMayGoOn)
    }

    /// After a producer gave up, the queue pages without holding anyone until it is all in memory again.
    @Test func afterAProducerGaveUpNobodyWaitsUntilTheQueueCaughtUp() throws {
        var machine = self.fullQueue()
        _ = machine.producerGaveUpWaiting()
        #expect(machine.producerMayGoOn)
        #expect(!machine.producerShouldWait)
        // The next message is stored: the window is full, so the queue pages.
        var actions = QueueStateMachine.Actions()
        var stored = self.entry(3)
        stored.isStored = true
        _ = machine.reserve(stored.key, size: stored.size, actions: &actions)
        _ = machine.entryArrived(stored, commit: 3, now: 0)
        #expect(machine.paging != .allInMemory)
        #expect(!machine.producerShouldWait)
        // The consumer takes everything; the page read reaches the end: caught up.
        let credited = machine.addCredit(10, to: 0, now: 0)
        let request = try #require(credited.pageIn)
        let page = StorePage(items: [StorePage.Item(entry: StoredEntry(key: stored.key, deliveryCount: 0), message: stored.message)], snapshotID: 3, reachedEnd: true)
        _ = machine.pageLoaded(page, generation: request.generation, now: 0)
        #expect(machine.paging == .allInMemory)
        #expect(machine.holdsProducers)
    }
}
