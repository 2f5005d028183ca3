import BrokerStore
import NIOCore
import Testing

@testable import BrokerCore

/// The store's writer commits, then runs the completions (`entryArrived`); a page read in between
/// already holds the committed entry. Scripted on the state machine, so the interleaving is exact.
@Suite("Paging against commits in flight")
struct PagingRaceTests {
    func entry(_ id: UInt64) -> QueueEntry { QueueFixture.entry(id) }

    func item(_ id: UInt64) -> StorePage.Item {
        let entry = self.entry(id)
        return StorePage.Item(entry: StoredEntry(key: entry.key, deliveryCount: 0), message: entry.message)
    }

    /// Reserves and commits entry `id` as the broker does (commit id = `id`).
    func arrive(_ id: UInt64, _ machine: inout QueueStateMachine) -> QueueStateMachine.Actions {
        var actions = QueueStateMachine.Actions()
        _ = machine.reserve(self.entry(id).key, size: self.entry(id).size, actions: &actions)
        return machine.entryArrived(self.entry(id), commit: Int(id), now: 0)
    }

    func delivered(_ actions: QueueStateMachine.Actions) -> [UInt64] {
        actions.dispatches.flatMap(\.deliveries).map(\.key.message.rawValue)
    }

    @Test(arguments: [true, false])
    func aPageReadBetweenACommitAndItsArrivalDoesNotDeliverTheEntryTwice(pageReachesTheEnd: Bool) {
        var machine = QueueFixture.machine(window: 4)
        for id in UInt64(1)...5 { _ = self.arrive(id, &machine) }  // 5 finds the window full: the queue pages
        var received = self.delivered(machine.addConsumer(0, credit: 3, now: 0))
        #expect(received == [1, 2, 3])
        // Entry 6 is reserved and committed; a page read now (after 4) sees 5 and 6 ...
        var actions = QueueStateMachine.Actions()
        _ = machine.reserve(self.entry(6).key, size: self.entry(6).size, actions: &actions)
        let page = StorePage(items: [self.item(5), self.item(6)], snapshotID: 6, reachedEnd: pageReachesTheEnd)
        received += self.delivered(machine.pageLoaded(page, generation: 0, now: 0))
        // ... and only then does the writer hand 6 to the queue.
        received += self.delivered(machine.entryArrived(self.entry(6), commit: 6, now: 0))
        received += self.delivered(machine.addCredit(10, to: 0, now: 0))
        #expect(received == [1, 2, 3, 4, 5, 6])
        #expect(machine.readyInMemory == 0)
    }

    @Test func anArrivalWhoseCommitFailedIsNotKeptAsPending() {
        var machine = QueueFixture.machine(window: 4)
        var actions = QueueStateMachine.Actions()
        _ = machine.reserve(self.entry(1).key, size: self.entry(1).size, actions: &actions)
        machine.cancelReservation(self.entry(1).key, size: self.entry(1).size)
        #expect(machine.arrivalsPending.isEmpty)
        #expect(machine.messageCount == 0)
    }

    /// A non-durable message that found the window full goes to the store; one published after it
    /// must not take a place in memory that opened meanwhile and overtake it.
    @Test func anotherProducersReservationStillBeingDecidedHoldsNobodyUp() {
        var machine = QueueFixture.machine(window: 4)
        var actions = QueueStateMachine.Actions()
        _ = machine.reserve(self.entry(1).key, size: self.entry(1).size, actions: &actions)  // another thread's
        _ = machine.reserve(self.entry(2).key, size: self.entry(2).size, actions: &actions)
        #expect(machine.canHoldInMemory)
        _ = machine.entryArrived(self.entry(2), commit: 0, now: 0)
        #expect(machine.canHoldInMemory)  // 1 may go into memory too
        _ = machine.entryArrived(self.entry(1), commit: 0, now: 0)
        #expect(self.delivered(machine.addConsumer(0, credit: 10, now: 0)) == [1, 2])
    }

    /// A non-durable message that found the window full goes to the store; one published after it
    /// must not take a place in memory that opened meanwhile and overtake it.
    @Test func aMemoryOnlyMessageDoesNotOvertakeOneOnItsWayToTheStore() {
        var machine = QueueFixture.machine(window: 2)
        var actions = QueueStateMachine.Actions()
        for id in UInt64(1)...2 {
            _ = machine.reserve(self.entry(id).key, size: self.entry(id).size, actions: &actions)
            #expect(machine.canHoldInMemory)
            _ = machine.entryArrived(self.entry(id), commit: 0, now: 0)
        }
        _ = machine.reserve(self.entry(3).key, size: self.entry(3).size, actions: &actions)
        #expect(!machine.canHoldInMemory)  // the window is full: 3 goes to the store
        machine.markStoreBound(self.entry(3).key)
        var received = self.delivered(machine.addConsumer(0, credit: 1, now: 0))  // room again
        _ = machine.reserve(self.entry(4).key, size: self.entry(4).size, actions: &actions)
        #expect(!machine.canHoldInMemory)  // 3 is still on its way
        machine.markStoreBound(self.entry(4).key)
        received += self.delivered(machine.entryArrived(self.entry(3), commit: 3, now: 0))
        received += self.delivered(machine.entryArrived(self.entry(4), commit: 4, now: 0))  // window full: on disk
        let credited = machine.addCredit(10, to: 0, now: 0)
        received += self.delivered(credited)
        #expect(credited.pageIn != nil)
        received += self.delivered(machine.pageLoaded(StorePage(items: [self.item(4)], snapshotID: 4, reachedEnd: true), generation: 0, now: 0))
        #expect(received == [1, 2, 3, 4])
    }
}
