import AMQPCodec
@testable import BrokerCore
import BrokerStore
import NIOCore
import Testing

@testable import AMQPEngine

// Equatable only in the test target, compared by printed content (as AMQPConnectionAction).
extension AMQPBrowserStateMachine.Action: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        String(describing: lhs) == String(describing: rhs)
    }
}

/// Browsing (source distribution-mode copy): the cursor machine, and browse links in the session.
@Suite struct AMQPBrowserStateMachineTests {
    let link0 = AMQPLinkID(rawValue: 0)

    func key(_ message: UInt64, priority: UInt8 = 4) -> EntryKey {
        EntryKey(queue: QueueID(1), priority: priority, message: MessageID(message))
    }

    func delivery(_ message: UInt64, expiration: Int64? = nil) -> Delivery {
        Delivery(
            key: self.key(message),
            message: StoredMessage(id: MessageID(message), address: "q", expiration: expiration, creationTime: 0, body: ByteBuffer(string: "m\(message)")),
            deliveryCount: 0
        )
    }

    // MARK: The cursor

    @Test func readsPagesWithinCreditThenPollsAfterTheLastKey() {
        var browser = AMQPBrowserStateMachine()
        #expect(browser.creditAdded(10) == [.readPage(after: nil, limit: 10)])
        // A short page: the whole queue was seen; with credit left, look again later.
        #expect(browser.pageRead([self.delivery(1), self.delivery(2)], limit: 10, now: 0) == [
            .deliver([self.delivery(1), self.delivery(2)]), .schedulePoll,
        ])
        #expect(browser.credit == 8)
        #expect(browser.pollTimerFired() == [.readPage(after: self.key(2), limit: 8)])
        #expect(browser.pageRead([], limit: 8, now: 0) == [.schedulePoll])
        #expect(browser.pollTimerFired() == [.readPage(after: self.key(2), limit: 8)])
        #expect(browser.pageRead([self.delivery(3)], limit: 8, now: 0) == [.deliver([self.delivery(3)]), .schedulePoll])
    }

    @Test func stopsWhenCreditIsUsedAndResumesWithNewCredit() {
        var browser = AMQPBrowserStateMachine()
        #expect(browser.creditAdded(2) == [.readPage(after: nil, limit: 2)])
        #expect(browser.pageRead([self.delivery(1), self.delivery(2)], limit: 2, now: 0) == [.deliver([self.delivery(1), self.delivery(2)])])
        // No credit: no read, no timer.
        #expect(browser.pollTimerFired() == [])
        #expect(browser.creditAdded(1) == [.readPage(after: self.key(2), limit: 1)])
        // More credit while a read is in flight waits for that read.
        #expect(browser.creditAdded(5) == [])
        #expect(browser.pageRead([self.delivery(3)], limit: 1, now: 0) == [.deliver([self.delivery(3)]), .readPage(after: self.key(3), limit: 5)])
    }

    @Test func onePageIsBoundedWhateverTheCredit() {
        var browser = AMQPBrowserStateMachine()
        #expect(browser.creditAdded(10_000) == [.readPage(after: nil, limit: AMQPBrowserStateMachine.pageLimit)])
    }

    @Test func drainSendsWhatThereIsThenReportsDrained() {
        var browser = AMQPBrowserStateMachine()
        _ = browser.creditAdded(5)
        // The drain waits for the read in flight.
        #expect(browser.drainRequested() == [])
        #expect(browser.pageRead([self.delivery(1)], limit: 5, now: 0) == [.deliver([self.delivery(1)]), .reportDrained])
        #expect(browser.credit == 0)
        // Without credit a drain is over at once.
        #expect(browser.drainRequested() == [.reportDrained])
    }

    @Test func drainAfterTheEndLooksOnceMoreBeforeReporting() {
        var browser = AMQPBrowserStateMachine()
        _ = browser.creditAdded(3)
        #expect(browser.pageRead([], limit: 3, now: 0) == [.schedulePoll])
        #expect(browser.drainRequested() == [.readPage(after: nil, limit: 3)])
        #expect(browser.pageRead([], limit: 3, now: 0) == [.reportDrained])
        // The timer scheduled before the drain finds no credit.
        #expect(browser.pollTimerFired() == [])
    }

    @Test func expiredMessagesAreSkippedButPassed() {
        var browser = AMQPBrowserStateMachine()
        _ = browser.creditAdded(2)
        let page = [self.delivery(1, expiration: 100), self.delivery(2), self.delivery(3, expiration: 500)]
        #expect(browser.pageRead(page, limit: 2, now: 200) == [.deliver([self.delivery(2), self.delivery(3, expiration: 500)])])
        #expect(browser.cursor == self.key(3))
    }

    @Test func creditTakenBackDuringAReadKeepsTheRestForLater() {
        var browser = AMQPBrowserStateMachine()
        _ = browser.creditAdded(3)
        #expect(browser.creditAdded(-2) == [])
        #expect(browser.pageRead([self.delivery(1), self.delivery(2), self.delivery(3)], limit: 3, now: 0) == [.deliver([self.delivery(1)])])
        #expect(browser.creditAdded(2) == [.readPage(after: self.key(1), limit: 2)])
    }

    @Test func returnedDeliveriesAreBrowsedAgain() {
        var browser = AMQPBrowserStateMachine()
        _ = browser.creditAdded(3)
        _ = browser.pageRead([self.delivery(5), self.delivery(6), self.delivery(7)], limit: 3, now: 0)
        // The link could send only the first; the cursor goes back to just before the second.
        #expect(browser.creditAdded(-2) == [])
        #expect(browser.deliveriesReturned([self.key(7), self.key(6)]) == [])
        #expect(browser.cursor == self.key(5))
        #expect(browser.creditAdded(2) == [.readPage(after: self.key(5), limit: 2)])
    }

    @Test func aReadStartedBeforeARewindIsReadAgain() {
        var browser = AMQPBrowserStateMachine()
        _ = browser.creditAdded(2)
        _ = browser.pageRead([self.delivery(5)], limit: 2, now: 0)
        _ = browser.pollTimerFired()
        // A read after 5 is in flight when 5 comes back.
        #expect(browser.deliveriesReturned([self.key(5)]) == [])
        #expect(browser.pageRead([self.delivery(6)], limit: 1, now: 0) == [.readPage(after: self.key(4), limit: 1)])
    }

    // MARK: Browse links in the session

    func browseLink(_ machine: inout AMQPConnectionStateMachine, settleMode: AMQPSenderSettleMode = .mixed) -> [AMQPConnectionAction] {
        let attach = AMQPAttach(name: "b", handle: 0, role: .receiver, senderSettleMode: settleMode, source: AMQPSource(address: "q", distributionMode: .copy))
        let resolve = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(attach)))
        guard case .resolveLink(_, let request) = resolve.first, case .consumer(let consumer) = request.kind else {
            Issue.record("expected resolveLink, got \(resolve)")
            return []
        }
        #expect(consumer.distributionMode == .copy)
        return machine.linkResolved(self.link0, .success(AMQPResolvedNode(address: "q")))
    }

    func credit(_ machine: inout AMQPConnectionStateMachine, _ credit: UInt32) -> [AMQPConnectionAction] {
        machine.frameReceived(AMQPFrame(channel: 0, performative: .flow(AMQPFlow(incomingWindow: 100, nextOutgoingID: 0, outgoingWindow: 100, handle: 0, deliveryCount: 0, linkCredit: credit))))
    }

    func transfers(_ actions: [AMQPConnectionAction]) -> [AMQPTransfer] {
        actions.compactMap { action in
            if case .sendFrame(let frame) = action, case .transfer(let transfer) = frame.performative { return transfer }
            return nil
        }
    }

    @Test func browseAttachEchoesCopyAndSendsSettledWhenAllowed() {
        var machine = openedMachine()
        let reply = self.browseLink(&machine)
        guard case .sendFrame(let frame)? = reply.first, case .attach(let attach) = frame.performative else {
            Issue.record("expected an attach, got \(reply)")
            return
        }
        #expect(attach.source?.distributionMode == .copy)
        #expect(attach.senderSettleMode == .settled)
        #expect(self.credit(&machine, 2) == [.addConsumerCredit(self.link0, 2)])
        let actions = machine.deliveriesArrived(self.link0, [self.delivery(1), self.delivery(2)])
        #expect(self.transfers(actions).map(\.settled) == [true, true])
        // Nothing is acknowledged: a browser's deliveries are copies.
        #expect(!actions.contains { if case .settle = $0 { return true } else { return false } })
    }

    @Test func unsettledBrowseOutcomesChangeNothingInTheQueue() {
        var machine = openedMachine()
        let reply = self.browseLink(&machine, settleMode: .unsettled)
        guard case .sendFrame(let frame)? = reply.first, case .attach(let attach) = frame.performative else {
            Issue.record("expected an attach, got \(reply)")
            return
        }
        #expect(attach.senderSettleMode == .unsettled)
        _ = self.credit(&machine, 2)
        let actions = machine.deliveriesArrived(self.link0, [self.delivery(1), self.delivery(2)])
        #expect(self.transfers(actions).map(\.settled) == [false, false])
        // accepted (unsettled) is answered with a settling disposition and nothing else.
        let accepted = machine.frameReceived(AMQPFrame(channel: 0, performative: .disposition(AMQPDisposition(role: .receiver, first: 0, settled: false, state: .accepted))))
        #expect(accepted == [.sendDisposition(channel: 0, role: .sender, deliveryID: 0, settled: true, state: .accepted)])
        let rejected = machine.frameReceived(AMQPFrame(channel: 0, performative: .disposition(AMQPDisposition(role: .receiver, first: 1, settled: true, state: .rejected(AMQPRejected())))))
        #expect(rejected == [])
    }

    @Test func browseDrainIsPassedOnAndAnswered() {
        var machine = openedMachine()
        _ = self.browseLink(&machine)
        let flow = AMQPFlow(incomingWindow: 100, nextOutgoingID: 0, outgoingWindow: 100, handle: 0, deliveryCount: 0, linkCredit: 4, drain: true)
        #expect(machine.frameReceived(AMQPFrame(channel: 0, performative: .flow(flow))) == [.addConsumerCredit(self.link0, 4), .drainConsumer(self.link0)])
        _ = machine.deliveriesArrived(self.link0, [self.delivery(1)])
        guard case .sendFrame(let frame)? = machine.drainCompleted(self.link0).first, case .flow(let reply) = frame.performative else {
            Issue.record("expected a flow")
            return
        }
        #expect(reply.deliveryCount == 4 && reply.linkCredit == 0 && reply.drain)
    }
}
