import AMQPCodec
@testable import BrokerCore
import BrokerStore
import NIOCore
import Testing

@testable import AMQPEngine

/// Scripts for links: attach, credit, transfers, dispositions, drain, detach.
@Suite struct AMQPLinkStateMachineTests {
    let link0 = AMQPLinkID(rawValue: 0)

    func producer(_ machine: inout AMQPConnectionStateMachine, handle: UInt32 = 0, blocks: Bool = false) {
        let attach = AMQPAttach(name: "p", handle: handle, role: .sender, target: .target(AMQPTarget(address: "q")), initialDeliveryCount: 0)
        _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(attach)))
        _ = machine.linkResolved(AMQPLinkID(rawValue: UInt64(handle)), .success(AMQPResolvedNode(address: "q", blocksWhenFull: blocks)))
    }

    func consumer(_ machine: inout AMQPConnectionStateMachine, settleMode: AMQPSenderSettleMode = .unsettled) {
        let attach = AMQPAttach(name: "c", handle: 0, role: .receiver, senderSettleMode: settleMode, source: AMQPSource(address: "q"))
        _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(attach)))
        _ = machine.linkResolved(self.link0, .success(AMQPResolvedNode(address: "q")))
    }

    func transfer(_ handle: UInt32, id: UInt32?, more: Bool = false, settled: Bool? = nil, aborted: Bool = false, _ text: String) -> AMQPFrame {
        AMQPFrame(
            channel: 0,
            performative: .transfer(AMQPTransfer(handle: handle, deliveryID: id, deliveryTag: id.map { ByteBuffer(integer: $0) }, settled: settled, more: more, aborted: aborted)),
            payload: ByteBuffer(string: text)
        )
    }

    func delivery(_ message: UInt64) -> Delivery {
        Delivery(
            key: EntryKey(queue: QueueID(1), priority: 4, message: MessageID(message)),
            message: StoredMessage(id: MessageID(message), address: "q", creationTime: 0, origin: .core, body: ByteBuffer(string: "m\(message)")),
            deliveryCount: 0
        )
    }

    @Test func producerAttachIsResolvedThenGetsCredit() {
        var machine = openedMachine()
        let attach = AMQPAttach(name: "p", handle: 0, role: .sender, target: .target(AMQPTarget(address: "q", capabilities: ["queue"])), initialDeliveryCount: 0)
        let resolve = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(attach)))
        guard case .resolveLink(let id, let request) = resolve.first, case .producer(let address, let capabilities) = request.kind else {
            Issue.record("expected resolveLink, got \(resolve)")
            return
        }
        #expect(id == self.link0 && address == "q" && capabilities == ["queue"] && request.containerID == "client")
        let actions = machine.linkResolved(id, .success(AMQPResolvedNode(address: "q")))
        #expect(actions == [
            frame(0, .attach(AMQPAttach(name: "p", handle: 0, role: .receiver, source: nil, target: attach.target, maxMessageSize: 64 << 20))),
            frame(0, .flow(AMQPFlow(nextIncomingID: 0, incomingWindow: 2_147_483_647, nextOutgoingID: 0, outgoingWindow: 2_147_483_647, handle: 0, deliveryCount: 0, linkCredit: 500))),
        ])
    }

    @Test func refusedAttachGetsEmptyTerminusAndClosingDetach() {
        var machine = openedMachine()
        _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(AMQPAttach(name: "c", handle: 0, role: .receiver, source: AMQPSource(address: "nope")))))
        let error = AMQPError(condition: .notFound, description: "no such address")
        #expect(machine.linkResolved(self.link0, .failure(error)) == [
            frame(0, .attach(AMQPAttach(name: "c", handle: 0, role: .sender, source: nil, target: nil, initialDeliveryCount: 0))),
            frame(0, .detach(AMQPDetach(handle: 0, closed: true, error: error))),
        ])
        // The peer's answering detach frees the handle without another reply.
        #expect(machine.frameReceived(AMQPFrame(channel: 0, performative: .detach(AMQPDetach(handle: 0, closed: true)))) == [])
    }

    @Test func durableTransferIsAcceptedOnlyAfterCompletion() {
        var machine = openedMachine()
        self.producer(&machine)
        #expect(machine.frameReceived(self.transfer(0, id: 0, "hello")) == [.publish(self.link0, deliveryID: 0, settled: false, message: ByteBuffer(string: "hello"), transactionID: nil)])
        #expect(machine.publishCompleted(self.link0, deliveryID: 0, settled: false, .success(())) == [
            .sendDisposition(channel: 0, role: .receiver, deliveryID: 0, settled: true, state: .accepted)
        ])
    }

    @Test func failedPublishIsRejectedWithTheCondition() {
        var machine = openedMachine()
        self.producer(&machine)
        _ = machine.frameReceived(self.transfer(0, id: 4, "x"))
        let error = AMQPError(condition: .resourceLimitExceeded, description: "full")
        #expect(machine.publishCompleted(self.link0, deliveryID: 4, settled: false, .failure(error)) == [
            .sendDisposition(channel: 0, role: .receiver, deliveryID: 4, settled: true, state: .rejected(AMQPRejected(error: error)))
        ])
    }

    @Test func presettledTransferGetsNoDisposition() {
        var machine = openedMachine()
        self.producer(&machine)
        _ = machine.frameReceived(self.transfer(0, id: 0, settled: true, "x"))
        #expect(machine.publishCompleted(self.link0, deliveryID: 0, settled: true, .success(())) == [])
    }

    @Test func multiFrameTransferIsReassembledAndAbortedIsDropped() {
        var machine = openedMachine()
        self.producer(&machine)
        #expect(machine.frameReceived(self.transfer(0, id: 0, more: true, "hel")) == [])
        #expect(machine.frameReceived(self.transfer(0, id: nil, more: true, "lo ")) == [])
        #expect(machine.frameReceived(self.transfer(0, id: nil, "world")) == [.publish(self.link0, deliveryID: 0, settled: false, message: ByteBuffer(string: "hello world"), transactionID: nil)])
        #expect(machine.frameReceived(self.transfer(0, id: 1, more: true, "partial")) == [])
        #expect(machine.frameReceived(self.transfer(0, id: nil, aborted: true, "")) == [])
        #expect(machine.frameReceived(self.transfer(0, id: 2, "next")) == [.publish(self.link0, deliveryID: 2, settled: false, message: ByteBuffer(string: "next"), transactionID: nil)])
    }

    @Test func oversizedMessageDetachesTheLink() {
        var configuration = AMQPConnectionStateMachine.Configuration(containerID: "broker")
        configuration.maximumMessageSize = 8
        var machine = openedMachine(configuration)
        self.producer(&machine)
        _ = machine.frameReceived(self.transfer(0, id: 0, more: true, "12345"))
        let actions = machine.frameReceived(self.transfer(0, id: nil, "67890"))
        guard case .sendFrame(let detachFrame) = actions.first, case .detach(let detach) = detachFrame.performative else {
            Issue.record("expected a detach, got \(actions)")
            return
        }
        #expect(detach.closed && detach.error?.condition == .linkMessageSizeExceeded)
        #expect(actions.last == .releaseLink(self.link0, closed: true))
    }

    @Test func transferOnUnattachedHandleClosesTheConnection() {
        var machine = openedMachine()
        let actions = machine.frameReceived(self.transfer(9, id: 0, "x"))
        #expect(closeError(in: actions)?.condition == .sessionUnattachedHandle)
        #expect(actions.last == .closeConnection)
    }

    @Test func handleBeyondHandleMaxIsNotAllowed() {
        var machine = openedMachine()
        let actions = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(AMQPAttach(name: "x", handle: 5000, role: .sender, target: .target(AMQPTarget(address: "q")), initialDeliveryCount: 0))))
        #expect(closeError(in: actions)?.condition == .notAllowed)
    }

    @Test func blockingTargetWithholdsCreditUntilThereIsRoom() {
        var machine = openedMachine()
        let attach = AMQPAttach(name: "p", handle: 0, role: .sender, target: .target(AMQPTarget(address: "q")), initialDeliveryCount: 0)
        _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(attach)))
        let actions = machine.linkResolved(self.link0, .success(AMQPResolvedNode(address: "q", blocksWhenFull: true)))
        #expect(actions.count == 2 && actions.last == .checkTargetCapacity(self.link0))
        let flow = machine.targetHasCapacity(self.link0)
        guard case .sendFrame(let flowFrame) = flow.first, case .flow(let granted) = flowFrame.performative else {
            Issue.record("expected a flow, got \(flow)")
            return
        }
        #expect(granted.linkCredit == 500)
    }

    @Test func creditIsToppedUpWhenHalfTheWindowIsUsed() {
        var configuration = AMQPConnectionStateMachine.Configuration(containerID: "broker")
        configuration.producerCreditWindow = 4
        var machine = openedMachine(configuration)
        self.producer(&machine)
        for id in UInt32(0)..<3 { _ = machine.frameReceived(self.transfer(0, id: id, "m")) }
        // credit 1 + in flight 2 > 2: no credit yet.
        #expect(machine.publishCompleted(self.link0, deliveryID: 0, settled: false, .success(())).count == 1)
        let actions = machine.publishCompleted(self.link0, deliveryID: 1, settled: false, .success(()))
        guard case .sendFrame(let flowFrame) = actions.last, case .flow(let flow) = flowFrame.performative else {
            Issue.record("expected a flow, got \(actions)")
            return
        }
        #expect(flow.deliveryCount == 3 && flow.linkCredit == 3)
    }

    @Test func consumerCreditDeliveriesAndSurplus() {
        var machine = openedMachine()
        self.consumer(&machine)
        #expect(machine.frameReceived(AMQPFrame(channel: 0, performative: .flow(AMQPFlow(nextIncomingID: 0, incomingWindow: 100, nextOutgoingID: 0, outgoingWindow: 100, handle: 0, deliveryCount: 0, linkCredit: 2)))) == [.addConsumerCredit(self.link0, 2)])
        let actions = machine.deliveriesArrived(self.link0, [self.delivery(1), self.delivery(2), self.delivery(3)])
        let transfers = actions.compactMap { action -> AMQPTransfer? in
            if case .sendFrame(let frame) = action, case .transfer(let transfer) = frame.performative { return transfer }
            return nil
        }
        #expect(transfers.map(\.deliveryID) == [0, 1])
        #expect(transfers.allSatisfy { $0.settled == false })
        #expect(actions.last == .returnDeliveries(self.link0, [self.delivery(3).key]))
        // One disposition for the range 0...1.
        let settle = machine.frameReceived(AMQPFrame(channel: 0, performative: .disposition(AMQPDisposition(role: .receiver, first: 0, last: 1, settled: true, state: .accepted))))
        #expect(settle == [.settle(self.link0, self.delivery(1).key, .acknowledge), .settle(self.link0, self.delivery(2).key, .acknowledge)])
    }

    @Test func outcomesMapToSettlements() {
        let cases: [(AMQPDeliveryState, AMQPSettlement)] = [
            (.accepted, .acknowledge),
            (.released, .releaseUncounted),
            (.modified(AMQPModified(deliveryFailed: true)), .releaseCounted),
            (.modified(AMQPModified(deliveryFailed: false, undeliverableHere: true)), .releaseUncounted),
            (.rejected(AMQPRejected()), .reject),
        ]
        for (state, settlement) in cases {
            var machine = openedMachine()
            self.consumer(&machine)
            _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .flow(AMQPFlow(incomingWindow: 100, nextOutgoingID: 0, outgoingWindow: 100, handle: 0, deliveryCount: 0, linkCredit: 1))))
            _ = machine.deliveriesArrived(self.link0, [self.delivery(1)])
            let actions = machine.frameReceived(AMQPFrame(channel: 0, performative: .disposition(AMQPDisposition(role: .receiver, first: 0, settled: true, state: state))))
            #expect(actions == [.settle(self.link0, self.delivery(1).key, settlement)])
        }
    }

    @Test func presettledConsumerAcknowledgesOnSend() {
        var machine = openedMachine()
        self.consumer(&machine, settleMode: .settled)
        _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .flow(AMQPFlow(incomingWindow: 100, nextOutgoingID: 0, outgoingWindow: 100, handle: 0, deliveryCount: 0, linkCredit: 1))))
        let actions = machine.deliveriesArrived(self.link0, [self.delivery(1)])
        #expect(actions.first == .settle(self.link0, self.delivery(1).key, .acknowledge))
    }

    @Test func drainUsesUpTheRemainingCredit() {
        var machine = openedMachine()
        self.consumer(&machine)
        let flow = AMQPFlow(incomingWindow: 100, nextOutgoingID: 0, outgoingWindow: 100, handle: 0, deliveryCount: 0, linkCredit: 5, drain: true)
        #expect(machine.frameReceived(AMQPFrame(channel: 0, performative: .flow(flow))) == [.addConsumerCredit(self.link0, 5), .drainConsumer(self.link0)])
        _ = machine.deliveriesArrived(self.link0, [self.delivery(1)])
        let drained = machine.drainCompleted(self.link0)
        guard case .sendFrame(let flowFrame) = drained.first, case .flow(let reply) = flowFrame.performative else {
            Issue.record("expected a flow, got \(drained)")
            return
        }
        #expect(reply.deliveryCount == 5 && reply.linkCredit == 0 && reply.drain)
    }

    @Test func largeDeliveriesAreSplitToThePeersFrameSize() {
        var machine = openedMachine(peerMaxFrameSize: 512)
        self.consumer(&machine)
        _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .flow(AMQPFlow(incomingWindow: 100, nextOutgoingID: 0, outgoingWindow: 100, handle: 0, deliveryCount: 0, linkCredit: 1))))
        var big = self.delivery(1)
        big.message.body = ByteBuffer(repeating: 7, count: 2000)
        let frames = machine.deliveriesArrived(self.link0, [big]).compactMap { action -> AMQPFrame? in
            if case .sendFrame(let frame) = action { return frame }
            return nil
        }
        #expect(frames.count > 4)
        for frame in frames {
            var buffer = ByteBuffer()
            #expect(buffer.writeAMQPFrame(frame) <= 512)
        }
        if case .transfer(let last) = frames.last?.performative { #expect(!last.more) }
        if case .transfer(let first) = frames.first?.performative { #expect(first.more && first.deliveryID == 0) }
    }

    @Test func detachIsAnsweredAndReleasesTheLink() {
        var machine = openedMachine()
        self.consumer(&machine)
        #expect(machine.frameReceived(AMQPFrame(channel: 0, performative: .detach(AMQPDetach(handle: 0, closed: true)))) == [
            frame(0, .detach(AMQPDetach(handle: 0, closed: true))), .releaseLink(self.link0, closed: true),
        ])
        // Deliveries still on their way for the detached link are dropped (the consumer returned them).
        #expect(machine.deliveriesArrived(self.link0, [self.delivery(1)]) == [])
    }

    @Test func callbacksFindTheirLinkByIDAfterHandlesAreReusedAndAcrossSessions() {
        var machine = openedMachine()
        self.producer(&machine)
        _ = machine.frameReceived(self.transfer(0, id: 0, "old"))
        _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .detach(AMQPDetach(handle: 0, closed: true))))
        // Handle 0 again, now link 1; a second session on channel 1 with link 2 on handle 0 too.
        let again = AMQPAttach(name: "p2", handle: 0, role: .sender, target: .target(AMQPTarget(address: "q")), initialDeliveryCount: 0)
        _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(again)))
        _ = machine.linkResolved(AMQPLinkID(rawValue: 1), .success(AMQPResolvedNode(address: "q")))
        _ = machine.frameReceived(AMQPFrame(channel: 1, performative: .begin(AMQPBegin(nextOutgoingID: 0, incomingWindow: 100, outgoingWindow: 100))))
        _ = machine.frameReceived(AMQPFrame(channel: 1, performative: .attach(again)))
        _ = machine.linkResolved(AMQPLinkID(rawValue: 2), .success(AMQPResolvedNode(address: "q")))
        _ = machine.frameReceived(self.transfer(0, id: 0, "new"))
        var onSecondSession = self.transfer(0, id: 0, "other")
        onSecondSession.channel = 1
        _ = machine.frameReceived(onSecondSession)
        // The detached link's completion finds nothing; the others answer on their own channels.
        #expect(machine.publishCompleted(self.link0, deliveryID: 0, settled: false, .success(())) == [])
        #expect(machine.publishCompleted(AMQPLinkID(rawValue: 1), deliveryID: 0, settled: false, .success(())) == [
            .sendDisposition(channel: 0, role: .receiver, deliveryID: 0, settled: true, state: .accepted)
        ])
        #expect(machine.publishCompleted(AMQPLinkID(rawValue: 2), deliveryID: 0, settled: false, .success(())) == [
            .sendDisposition(channel: 1, role: .receiver, deliveryID: 0, settled: true, state: .accepted)
        ])
        // Ending the second session forgets its link.
        _ = machine.frameReceived(AMQPFrame(channel: 1, performative: .end(AMQPEnd())))
        #expect(machine.publishCompleted(AMQPLinkID(rawValue: 2), deliveryID: 1, settled: false, .success(())) == [])
    }

    @Test func aBurstOfCompletionsAnswersInOrderAcrossLinks() {
        var machine = openedMachine()
        self.producer(&machine, handle: 0)
        self.producer(&machine, handle: 1)
        _ = machine.frameReceived(self.transfer(0, id: 0, "a"))
        _ = machine.frameReceived(self.transfer(1, id: 1, "b"))
        _ = machine.frameReceived(self.transfer(0, id: 2, "c"))
        let refused = AMQPError(condition: .resourceLimitExceeded, description: "full")
        let link1 = AMQPLinkID(rawValue: 1)
        let actions = machine.publishesCompleted([
            AMQPPublishCompletion(linkID: self.link0, deliveryID: 0, settled: false, result: .success(())),
            AMQPPublishCompletion(linkID: link1, deliveryID: 1, settled: false, result: .failure(refused)),
            AMQPPublishCompletion(linkID: AMQPLinkID(rawValue: 9), deliveryID: 7, settled: false, result: .success(())),
            AMQPPublishCompletion(linkID: self.link0, deliveryID: 2, settled: false, result: .success(())),
        ])
        #expect(actions == [
            .sendDisposition(channel: 0, role: .receiver, deliveryID: 0, settled: true, state: .accepted),
            .sendDisposition(channel: 0, role: .receiver, deliveryID: 1, settled: true, state: .rejected(AMQPRejected(error: refused))),
            .sendDisposition(channel: 0, role: .receiver, deliveryID: 2, settled: true, state: .accepted),
        ])
    }

    @Test func dynamicSourceAddressIsReturned() {
        var machine = openedMachine()
        let attach = AMQPAttach(name: "reply", handle: 0, role: .receiver, source: AMQPSource(dynamic: true))
        let resolve = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(attach)))
        guard case .resolveLink(_, let request) = resolve.first, case .consumer(let consumer) = request.kind else {
            Issue.record("expected resolveLink")
            return
        }
        #expect(consumer.isDynamic && consumer.address == nil)
        let actions = machine.linkResolved(self.link0, .success(AMQPResolvedNode(address: "amq.dynamic.x")))
        guard case .sendFrame(let reply) = actions.first, case .attach(let answer) = reply.performative else {
            Issue.record("expected attach")
            return
        }
        #expect(answer.source?.address == "amq.dynamic.x" && answer.source?.dynamic == true)
    }
}
