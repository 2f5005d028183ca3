import BrokerStore
import BrokerTestSupport
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import BrokerCore

/// The entries of one store commit reach each queue as one event (`entriesArrived`), with the
/// same outcome as one `entryArrived` per entry.
@Suite("Arrivals of one commit")
struct CommitArrivalsTests {
    func entry(_ id: UInt64, priority: UInt8 = 4) -> QueueEntry { QueueFixture.entry(id, priority: priority) }

    func machine(window: Int) -> QueueStateMachine { QueueFixture.machine(window: window) }

    func reserve(_ entries: [QueueEntry], _ machine: inout QueueStateMachine) {
        var actions = QueueStateMachine.Actions()
        for entry in entries { _ = machine.reserve(entry.key, size: entry.size, actions: &actions) }
    }

    @Test func aCommitIsOneDispatchPerConsumerInCommitOrder() {
        var machine = self.machine(window: 100)
        _ = machine.addConsumer(0, credit: 10, now: 0)
        _ = machine.addConsumer(1, credit: 10, now: 0)
        let entries = (UInt64(1)...6).map { self.entry($0) }
        self.reserve(entries, &machine)
        let actions = machine.entriesArrived(entries, commit: 1, now: 0)
        #expect(actions.dispatches.map(\.consumer) == [0, 1])
        #expect(actions.dispatches[0].deliveries.map(\.key.message.rawValue) == [1, 3, 5])
        #expect(actions.dispatches[1].deliveries.map(\.key.message.rawValue) == [2, 4, 6])
        #expect(machine.arrivalsPending.isEmpty)
    }

    /// Per entry, a consumer with credit emptied the window between arrivals; in one event the
    /// window must still make room before an arrival would find it full and leave it on disk.
    @Test func readyEntriesAreDispatchedBeforeAnArrivalFindsTheWindowFull() {
        var machine = self.machine(window: 2)
        _ = machine.addConsumer(0, credit: 5, now: 0)
        let entries = (UInt64(1)...5).map { self.entry($0) }
        self.reserve(entries, &machine)
        let actions = machine.entriesArrived(entries, commit: 1, now: 0)
        #expect(actions.dispatches.flatMap(\.deliveries).map(\.key.message.rawValue) == [1, 2, 3, 4, 5])
        #expect(machine.paging == .allInMemory)
    }

    @Test func aFullWindowLeavesTheRestOnDiskAsOneEventPerEntryWould() {
        var batched = self.machine(window: 2)
        var single = self.machine(window: 2)
        let entries = (UInt64(1)...5).map { self.entry($0) }
        self.reserve(entries, &batched)
        self.reserve(entries, &single)
        var actions = batched.entriesArrived(entries, commit: 7, now: 0)
        for entry in entries { _ = single.entryArrived(entry, commit: 7, now: 0) }
        #expect(actions.pageIn == nil)
        #expect(batched.paging == single.paging)
        #expect(batched.readyInMemory == 2)
        actions = batched.addConsumer(0, credit: 10, now: 0)
        #expect(actions.dispatches.flatMap(\.deliveries).map(\.key.message.rawValue) == [1, 2])
    }

    @Test func manyConsumersStillGetOneDispatchEach() {
        var machine = self.machine(window: 1000)
        for consumer in 0..<20 { _ = machine.addConsumer(consumer, credit: 2, now: 0) }
        let entries = (UInt64(1)...40).map { self.entry($0) }
        self.reserve(entries, &machine)
        let actions = machine.entriesArrived(entries, commit: 1, now: 0)
        #expect(actions.dispatches.count == 20)
        for dispatch in actions.dispatches {
            let ids = dispatch.deliveries.map(\.key.message.rawValue)
            #expect(ids == [UInt64(dispatch.consumer + 1), UInt64(dispatch.consumer + 21)])
        }
    }

    /// A producer told "stored" finds its message in the queue: the broker hands the commit's
    /// entries to the queues (which deliver them) before it runs the publishers' completions.
    @Test func aPublishCompletesAfterItsEntryArrived() throws {
        let test = try TestBroker()
        let queue = try test.broker.subscribe(queueName: "s1", filter: "t/a", isDurable: true)
        let count = 50
        let recorder = RecordingConsumer()
        _ = queue.addConsumer(delegate: recorder, credit: count)
        let seenAtCompletion = NIOLockedValueBox<[Int]>([])
        let done = BlockingResult<Void>()
        for index in 0..<count {
            let message = IncomingMessage(address: "t/a", isDurable: true, body: ByteBuffer(string: "\(index)"))
            test.broker.publish(message, autoCreateAs: .multicast) { result in
                let delivered = recorder.deliveries.count
                let all = seenAtCompletion.withLockedValue { seen in
                    seen.append((try? result.get()) != nil ? delivered : -1)
                    return seen.count == count
                }
                if all { done.set(()) }
            }
        }
        try done.wait()
        // The n-th completion (they run in submission order) saw at least n deliveries.
        for (index, delivered) in seenAtCompletion.withLockedValue({ $0 }).enumerated() {
            #expect(delivered >= index + 1)
        }
    }

    @Test func aFanOutReachesEveryQueueInOrder() throws {
        let test = try TestBroker()
        let recorders = (0..<3).map { _ in RecordingConsumer() }
        for (index, recorder) in recorders.enumerated() {
            let queue = try test.broker.subscribe(queueName: "s\(index)", filter: "t/#", isDurable: true)
            _ = queue.addConsumer(delegate: recorder, credit: 1000)
        }
        let count = 200
        let done = BlockingResult<Void>()
        let completed = NIOLockedValueBox(0)
        for index in 0..<count {
            let message = IncomingMessage(address: "t/a", isDurable: true, body: ByteBuffer(string: "\(index)"))
            test.broker.publish(message, autoCreateAs: .multicast) { _ in
                if completed.withLockedValue({ $0 += 1; return $0 }) == count { done.set(()) }
            }
        }
        try done.wait()
        for recorder in recorders {
            #expect(recorder.waitFor(count))
            let bodies = recorder.deliveries.map { String(buffer: $0.message.body) }
            #expect(bodies == (0..<count).map { "\($0)" })
        }
    }

    /// A commit of thousands of entries reaches its queue in chunks, before the commit's
    /// completions are done, and every entry in order.
    @Test func aLargeCommitReachesItsQueueInChunksInOrder() throws {
        let test = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 10_000))
        let queue = try test.broker.subscribe(queueName: "s", filter: "t/#", isDurable: true)
        let recorder = RecordingConsumer()
        _ = queue.addConsumer(delegate: recorder, credit: 10_000)
        let arrivals = CommitArrivals()
        let count = 3 * CommitArrivals.chunkSize + 5
        for id in 1...UInt64(count) {
            let message = StoredMessage(id: MessageID(id), address: "t/a", creationTime: 0, body: ByteBuffer(string: "\(id)"))
            let entry = QueueEntry(key: queue.entryKey(for: message), message: message, deliveryCount: 0, isStored: true)
            #expect(queue.reserve(entry.key, size: entry.size) == .reserved)
            arrivals.add(entry, to: queue, commit: 1)
        }
        #expect(recorder.waitFor(3 * CommitArrivals.chunkSize))  // the chunks, before the flush
        arrivals.flush()
        #expect(recorder.waitFor(count))
        #expect(recorder.deliveries.map { String(buffer: $0.message.body) } == (1...count).map { "\($0)" })
    }
}
