import BrokerStore
import BrokerTestSupport
import NIOCore
import Testing

@testable import BrokerCore

/// Durable entries that consumers get while their commit syncs (`claimEarlyAdmission`), and
/// settled entries whose removal the store has not committed yet. Scripted on the state machine;
/// `page(after:)` plays a store snapshot taken before any removal was committed.
@Suite("Entries in memory ahead of the store")
struct EarlyAdmissionTests {
    func entry(_ id: UInt64) -> QueueEntry { QueueFixture.entry(id) }

    func machine(window: Int) -> QueueStateMachine { QueueFixture.machine(window: window) }

    func reserve(_ id: UInt64, _ machine: inout QueueStateMachine) {
        var actions = QueueStateMachine.Actions()
        #expect(machine.reserve(self.entry(id).key, size: self.entry(id).size, actions: &actions) == .reserved)
    }

    func claim(_ id: UInt64, _ machine: inout QueueStateMachine) -> Bool {
        machine.claimEarlyAdmission(self.entry(id).key)
    }

    /// What a snapshot holding `ids` (committed, none removed yet) returns for a page request.
    func page(_ request: QueueStateMachine.PageRequest?, of ids: [UInt64], snapshot: Int) -> StorePage {
        let after = request?.after
        let items = ids.map(self.entry).filter { entry in after.map { $0 < entry.key } ?? true }.map {
            StorePage.Item(entry: StoredEntry(key: $0.key, deliveryCount: 0), message: $0.message)
        }
        return StorePage(items: items, snapshotID: snapshot, reachedEnd: true)
    }

    func delivered(_ actions: QueueStateMachine.Actions) -> [UInt64] {
        actions.dispatches.flatMap(\.deliveries).map(\.key.message.rawValue)
    }

    /// The deliveries of `actions`, serving each page read they ask for from a snapshot of `stored`.
    func delivered(_ actions: QueueStateMachine.Actions, _ machine: inout QueueStateMachine, stored: [UInt64]) -> [UInt64] {
        var actions = actions
        var received = self.delivered(actions)
        while let request = actions.pageIn {
            actions = machine.pageLoaded(self.page(request, of: stored, snapshot: Int(stored.last ?? 0)), generation: request.generation, now: 0)
            received += self.delivered(actions)
        }
        return received
    }

    /// Message ids are taken before commits are ordered, so a page read's snapshot can hold a
    /// newer key (5) but not an older one (3) whose commit came later and whose arrival, while the
    /// read was in flight, left it on disk. The page must not move the queue past 3 (found by
    /// QoS 0 4→4 runs losing one delivery when threads stalled).
    @Test func anArrivalThePageSnapshotMissedIsStillRead() {
        var machine = self.machine(window: 2)
        var received = self.delivered(machine.addConsumer(0, credit: 0, now: 0))
        for id: UInt64 in [1, 2, 3, 4, 5] { self.reserve(id, &machine) }
        received += self.delivered(machine.entryArrived(self.entry(1), commit: 1, now: 0))
        received += self.delivered(machine.entryArrived(self.entry(2), commit: 2, now: 0))
        // The window is full: 4 and 5 stay on disk.
        received += self.delivered(machine.entryArrived(self.entry(4), commit: 3, now: 0))
        received += self.delivered(machine.entryArrived(self.entry(5), commit: 4, now: 0))
        var actions = machine.settle(acknowledging: [], addingCredit: 10, to: 0, now: 0)
        received += self.delivered(actions)
        let request = try! #require(actions.pageIn)
        // 3 commits (5) and arrives while the read, from snapshot 4, is in flight.
        received += self.delivered(machine.entryArrived(self.entry(3), commit: 5, now: 0))
        actions = machine.pageLoaded(self.page(request, of: [1, 2, 4, 5], snapshot: 4), generation: request.generation, now: 0)
        received += self.delivered(actions, &machine, stored: [1, 2, 3, 4, 5])
        #expect(received.sorted() == [1, 2, 3, 4, 5])
        #expect(machine.paging == .allInMemory)
    }

    @Test func aClaimedEntryIsDeliveredBeforeItsCommitAndOnlyOnce() {
        var machine = self.machine(window: 4)
        var received = self.delivered(machine.addConsumer(0, credit: 10, now: 0))
        self.reserve(1, &machine)
        #expect(self.claim(1, &machine))
        #expect(machine.arrivalsPending.contains(self.entry(1).key))  // nothing may overtake it yet
        received += self.delivered(machine.earlyEntriesAdmitted([self.entry(1)], now: 0))
        #expect(received == [1])
        #expect(machine.arrivalsPending.isEmpty)
        #expect(machine.messageCount == 1)
    }

    @Test func noClaimWhileAnotherEntryIsOnItsWayToTheStore() {
        var machine = self.machine(window: 4)
        self.reserve(1, &machine)
        machine.markStoreBound(self.entry(1).key)  // on its way to the store
        self.reserve(2, &machine)
        #expect(!self.claim(2, &machine))
        #expect(machine.storeBound.contains(self.entry(2).key))  // so 2 is on its way too
    }

    @Test func noClaimWhenTheWindowIsFull() {
        var machine = self.machine(window: 1)
        self.reserve(1, &machine)
        #expect(self.claim(1, &machine))
        _ = machine.earlyEntriesAdmitted([self.entry(1)], now: 0)
        self.reserve(2, &machine)
        #expect(!self.claim(2, &machine))
    }

    /// Early entries 1 to 3 are delivered; 1 and 2 are released and fill the window again, 3 is
    /// acknowledged, its removal still behind its store. 4 finds the window full and stays on
    /// disk, so the queue starts paging: its first read comes from a snapshot that still holds
    /// 3, which must not be delivered again.
    @Test func anAcknowledgedEarlyEntryIsNotReadAgainWhenTheQueueStartsPaging() {
        var machine = self.machine(window: 2)
        var received = self.delivered(machine.addConsumer(0, credit: 3, now: 0))
        for id in UInt64(1)...3 {
            self.reserve(id, &machine)
            #expect(self.claim(id, &machine))
            received += self.delivered(machine.earlyEntriesAdmitted([self.entry(id)], now: 0))
        }
        #expect(received == [1, 2, 3])
        self.settleNewestLast(&machine)
        self.reserve(4, &machine)
        #expect(!self.claim(4, &machine))
        received += self.delivered(machine.entryArrived(self.entry(4), commit: 4, now: 0), &machine, stored: [1, 2, 3, 4])
        received += self.delivered(machine.addCredit(10, to: 0, now: 0), &machine, stored: [1, 2, 3, 4])
        #expect(received == [1, 2, 3, 1, 2, 4])
    }

    /// The same without early admission: entries committed before they enter memory, whose
    /// acknowledgment's removal is deferred (see GroupCommitWriter).
    @Test func aSettledEntryNewerThanEverythingInMemoryIsNotReadAgain() {
        var machine = self.machine(window: 2)
        var received = self.delivered(machine.addConsumer(0, credit: 3, now: 0))
        for id in UInt64(1)...3 {
            self.reserve(id, &machine)
            received += self.delivered(machine.entryArrived(self.entry(id), commit: Int(id), now: 0))
        }
        #expect(received == [1, 2, 3])
        self.settleNewestLast(&machine)
        self.reserve(4, &machine)
        // Window full: 4 stays on disk.
        received += self.delivered(machine.entryArrived(self.entry(4), commit: 4, now: 0), &machine, stored: [1, 2, 3, 4])
        received += self.delivered(machine.addCredit(10, to: 0, now: 0), &machine, stored: [1, 2, 3, 4])
        #expect(received == [1, 2, 3, 1, 2, 4])
    }

    /// 1 and 2 go back to the window (full again), 3 is acknowledged: the newest key in memory
    /// is now older than a settled one.
    func settleNewestLast(_ machine: inout QueueStateMachine) {
        _ = machine.release(self.entry(1).key, countAttempt: false, now: 0)
        _ = machine.release(self.entry(2).key, countAttempt: false, now: 0)
        _ = machine.acknowledge(self.entry(3).key, now: 0)
        #expect(machine.readyInMemory == 2)
    }

    @Test func aCommitThatFailsBeforeTheAdmissionLeavesNothingBehind() {
        var machine = self.machine(window: 4)
        var received = self.delivered(machine.addConsumer(0, credit: 10, now: 0))
        self.reserve(1, &machine)
        #expect(self.claim(1, &machine))
        machine.earlyEntryWithdrawn(self.entry(1).key, size: self.entry(1).size)
        received += self.delivered(machine.earlyEntriesAdmitted([self.entry(1)], now: 0))
        #expect(received.isEmpty)
        #expect(machine.messageCount == 0)
        #expect(machine.arrivalsPending.isEmpty)
        #expect(machine.readyInMemory == 0)
    }

    @Test func aCommitThatFailsAfterTheAdmissionTakesTheReadyEntryBack() {
        var machine = self.machine(window: 4)
        self.reserve(1, &machine)
        #expect(self.claim(1, &machine))
        _ = machine.earlyEntriesAdmitted([self.entry(1)], now: 0)
        #expect(machine.readyInMemory == 1)
        machine.earlyEntryWithdrawn(self.entry(1).key, size: self.entry(1).size)
        #expect(machine.readyInMemory == 0)
        #expect(machine.messageCount == 0)
        #expect(self.delivered(machine.addConsumer(0, credit: 10, now: 0)).isEmpty)
    }
}

/// A front end's read batch (`EarlyAdmissions`): its consumers get the message when the batch
/// ends, and only then is the store's writer woken to commit it.
@Suite("Early admissions of a read batch")
struct ReadBatchAdmissionTests {
    @Test func theBatchHandsItsEntriesOverThenWakesTheWriter() throws {
        let test = try TestBroker()
        let queue = try test.broker.subscribe(queueName: "s1", filter: "t/a", isDurable: true)
        let recorder = RecordingConsumer()
        _ = queue.addConsumer(delegate: recorder, credit: 10)
        let admissions = EarlyAdmissions()
        let stored = BlockingResult<Bool>()
        for index in 0..<3 {
            let message = IncomingMessage(address: "t/a", isDurable: true, body: ByteBuffer(string: "\(index)"))
            test.broker.publish(message, autoCreateAs: .multicast, earlyAdmissions: admissions) { result in
                if index == 2 { stored.set((try? result.get()) != nil) }
            }
        }
        #expect(recorder.deliveries.isEmpty)  // not before the batch ends
        admissions.admit()
        #expect(recorder.deliveries.map { String(buffer: $0.message.body) } == ["0", "1", "2"])
        #expect(try stored.wait())
    }
}
