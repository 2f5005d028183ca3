import AMQPCodec
import NIOCore
import Testing

@testable import AMQPEngine

/// Scripts of the client role: events in, actions out.
@Suite struct AMQPClientConnectionStateMachineTests {
    typealias Machine = AMQPClientConnectionStateMachine
    static let configuration = Machine.Configuration(containerID: "outpost-edge", hostname: "cloud", idleTimeOut: 60_000, maxFrameSize: 1 << 20)

    static func write(_ performative: AMQPPerformative, payload: ByteBuffer = ByteBuffer()) -> Machine.Action {
        .write(.frame(AMQPFrame(channel: 0, performative: performative, payload: payload)))
    }

    static func peer(_ performative: AMQPPerformative, payload: ByteBuffer = ByteBuffer()) -> AMQPInbound {
        .frame(AMQPFrame(channel: 0, performative: performative, payload: payload))
    }

    /// Through SASL ANONYMOUS, open and begin.
    static func opened(
        _ configuration: Machine.Configuration = configuration,
        peerMaxFrameSize: UInt32 = 1 << 20,
        peerIncomingWindow: UInt32 = 2048
    ) -> Machine {
        var machine = Machine(configuration: configuration)
        _ = machine.channelActive()
        _ = machine.received(.protocolHeader(.sasl))
        _ = machine.received(.saslFrame(.mechanisms(AMQPSASLMechanisms(mechanisms: ["PLAIN", "ANONYMOUS"]))))
        _ = machine.received(.saslFrame(.outcome(AMQPSASLOutcome(code: .ok))))
        _ = machine.received(.protocolHeader(.amqp))
        _ = machine.received(peer(.open(AMQPOpen(containerID: "cloud", maxFrameSize: peerMaxFrameSize))))
        let actions = machine.received(peer(.begin(AMQPBegin(remoteChannel: 0, nextOutgoingID: 0, incomingWindow: peerIncomingWindow, outgoingWindow: 2048))))
        precondition(actions.first == .opened)
        return machine
    }

    static func senderAttach(_ address: String, handle: UInt32 = 0) -> AMQPAttach {
        AMQPAttach(
            name: "outpost-edge-sender-\(handle)-\(address)",
            handle: handle,
            role: .sender,
            senderSettleMode: .unsettled,
            receiverSettleMode: .first,
            source: AMQPSource(address: "outpost-edge"),
            target: .target(AMQPTarget(address: address, durable: .unsettledState)),
            initialDeliveryCount: 0
        )
    }

    static func credit(remoteHandle: UInt32, deliveryCount: UInt32 = 0, _ credit: UInt32, nextIncomingID: UInt32 = 0, window: UInt32 = 2048) -> AMQPInbound {
        peer(.flow(AMQPFlow(nextIncomingID: nextIncomingID, incomingWindow: window, nextOutgoingID: 0, outgoingWindow: 2048, handle: remoteHandle, deliveryCount: deliveryCount, linkCredit: credit)))
    }

    static func transfer(handle: UInt32 = 0, deliveryID: UInt32, more: Bool = false, first: Bool = true, _ payload: ByteBuffer) -> Machine.Action {
        var tag = ByteBuffer()
        tag.writeInteger(deliveryID)
        return write(
            .transfer(AMQPTransfer(handle: handle, deliveryID: first ? deliveryID : nil, deliveryTag: first ? tag : nil, messageFormat: first ? 0 : nil, settled: first ? false : nil, more: more)),
            payload: payload
        )
    }

    @Test func saslAnonymousThenPipelinedOpenAndBegin() {
        var machine = Machine(configuration: Self.configuration)
        #expect(machine.channelActive() == [.write(.protocolHeader(.sasl))])
        #expect(machine.received(.protocolHeader(.sasl)) == [])
        #expect(machine.received(.saslFrame(.mechanisms(AMQPSASLMechanisms(mechanisms: ["PLAIN", "ANONYMOUS"])))) == [
            .write(.saslFrame(.initial(AMQPSASLInit(mechanism: "ANONYMOUS", initialResponse: ByteBuffer(string: "outpost"), hostname: "cloud"))))
        ])
        #expect(machine.received(.saslFrame(.outcome(AMQPSASLOutcome(code: .ok)))) == [
            .write(.protocolHeader(.amqp)),
            Self.write(.open(AMQPOpen(containerID: "outpost-edge", hostname: "cloud", maxFrameSize: 1 << 20, channelMax: 0, idleTimeOut: 60_000))),
            Self.write(.begin(AMQPBegin(nextOutgoingID: 0, incomingWindow: Machine.sessionIncomingWindow, outgoingWindow: Machine.sessionIncomingWindow))),
        ])
        #expect(machine.received(.protocolHeader(.amqp)) == [])
        // Heartbeats at half the peer's idle-time-out.
        #expect(machine.received(Self.peer(.open(AMQPOpen(containerID: "cloud", idleTimeOut: 10_000)))) == [.startHeartbeats(milliseconds: 5_000)])
        #expect(machine.received(Self.peer(.begin(AMQPBegin(remoteChannel: 0, nextOutgoingID: 0, incomingWindow: 100, outgoingWindow: 100)))) == [.opened])
        #expect(machine.isOpen)
    }

    @Test func saslPlainWithAUsername() {
        var configuration = Self.configuration
        configuration.username = "edge"
        configuration.password = "secret"
        var machine = Machine(configuration: configuration)
        _ = machine.channelActive()
        _ = machine.received(.protocolHeader(.sasl))
        let response = ByteBuffer(bytes: Array("\0edge\0secret".utf8))
        #expect(machine.received(.saslFrame(.mechanisms(AMQPSASLMechanisms(mechanisms: ["ANONYMOUS", "PLAIN"])))) == [
            .write(.saslFrame(.initial(AMQPSASLInit(mechanism: "PLAIN", initialResponse: response, hostname: "cloud"))))
        ])
    }

    @Test func saslFailureClosesWithTheCode() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.channelActive()
        _ = machine.received(.protocolHeader(.sasl))
        _ = machine.received(.saslFrame(.mechanisms(AMQPSASLMechanisms(mechanisms: ["ANONYMOUS"]))))
        #expect(machine.received(.saslFrame(.outcome(AMQPSASLOutcome(code: .auth)))) == [.closed("SASL authentication with the AMQP peer failed (code 1)")])
        #expect(machine.isClosed)
    }

    @Test func anonymousNotOfferedAsksForAUsername() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.channelActive()
        _ = machine.received(.protocolHeader(.sasl))
        let actions = machine.received(.saslFrame(.mechanisms(AMQPSASLMechanisms(mechanisms: ["PLAIN"]))))
        guard case .closed(let reason)? = actions.first else { Issue.record("not closed: \(actions)"); return }
        #expect(reason.contains("requires authentication"))
    }

    @Test func senderAttachesLazilyAndSendsWithinCredit() {
        var machine = Self.opened()
        let one = ByteBuffer(string: "one")
        #expect(machine.send(address: "telemetry/a", tag: 7, message: one) == [Self.write(.attach(Self.senderAttach("telemetry/a")))])
        // Nothing before the peer's attach and credit.
        #expect(machine.received(Self.peer(.attach(AMQPAttach(name: "outpost-edge-sender-0-telemetry/a", handle: 5, role: .receiver, target: .target(AMQPTarget(address: "telemetry/a")))))) == [])
        #expect(machine.received(Self.credit(remoteHandle: 5, 1)) == [Self.transfer(deliveryID: 0, one)])
        // Out of credit: queued.
        #expect(machine.send(address: "telemetry/a", tag: 8, message: ByteBuffer(string: "two")) == [])
        #expect(machine.received(Self.credit(remoteHandle: 5, deliveryCount: 1, 5)) == [Self.transfer(deliveryID: 1, ByteBuffer(string: "two"))])
        // A second address gets its own link.
        #expect(machine.send(address: "telemetry/b", tag: 9, message: one) == [Self.write(.attach(Self.senderAttach("telemetry/b", handle: 1)))])
        #expect(machine.unsettledCount == 2)
    }

    @Test func sendsQueuedBeforeOpenAttachOnBegin() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.channelActive()
        #expect(machine.send(address: "q", tag: 1, message: ByteBuffer(string: "x")) == [])
        _ = machine.received(.protocolHeader(.sasl))
        _ = machine.received(.saslFrame(.mechanisms(AMQPSASLMechanisms(mechanisms: ["ANONYMOUS"]))))
        _ = machine.received(.saslFrame(.outcome(AMQPSASLOutcome(code: .ok))))
        _ = machine.received(.protocolHeader(.amqp))
        _ = machine.received(Self.peer(.open(AMQPOpen(containerID: "cloud"))))
        #expect(machine.received(Self.peer(.begin(AMQPBegin(remoteChannel: 0, nextOutgoingID: 0, incomingWindow: 10, outgoingWindow: 10)))) == [
            .opened, Self.write(.attach(Self.senderAttach("q"))),
        ])
    }

    @Test func largeMessagesAreSplitToThePeersMaxFrameSize() {
        var machine = Self.opened(peerMaxFrameSize: 512)
        let message = ByteBuffer(repeating: 0x41, count: 1000)
        _ = machine.send(address: "q", tag: 1, message: message)
        _ = machine.received(Self.peer(.attach(AMQPAttach(name: "outpost-edge-sender-0-q", handle: 0, role: .receiver, target: .target(AMQPTarget(address: "q"))))))
        let actions = machine.received(Self.credit(remoteHandle: 0, 10))
        let chunk = 512 - 8 - Machine.transferOverhead
        #expect(actions == [
            Self.transfer(deliveryID: 0, more: true, message.getSlice(at: 0, length: chunk)!),
            Self.transfer(deliveryID: 0, more: true, first: false, message.getSlice(at: chunk, length: chunk)!),
            Self.transfer(deliveryID: 0, more: false, first: false, message.getSlice(at: 2 * chunk, length: 1000 - 2 * chunk)!),
        ])
        // Every encoded frame fits the peer's limit.
        for case .write(let unit) in actions {
            var buffer = ByteBuffer()
            #expect(buffer.writeAMQPInbound(unit) <= 512)
        }
    }

    @Test func theSessionWindowLimitsTransfers() {
        var machine = Self.opened(peerIncomingWindow: 1)
        _ = machine.send(address: "q", tag: 1, message: ByteBuffer(string: "a"))
        _ = machine.send(address: "q", tag: 2, message: ByteBuffer(string: "b"))
        _ = machine.received(Self.peer(.attach(AMQPAttach(name: "outpost-edge-sender-0-q", handle: 0, role: .receiver, target: .target(AMQPTarget(address: "q"))))))
        #expect(machine.received(Self.credit(remoteHandle: 0, 10, window: 1)) == [Self.transfer(deliveryID: 0, ByteBuffer(string: "a"))])
        // The peer widens its window (next-incoming-id 1, window 5).
        #expect(machine.received(Self.peer(.flow(AMQPFlow(nextIncomingID: 1, incomingWindow: 5, nextOutgoingID: 0, outgoingWindow: 10)))) == [
            Self.transfer(deliveryID: 1, ByteBuffer(string: "b"))
        ])
    }

    @Test func dispositionRangesReportOutcomesAndAreSettled() {
        var machine = Self.opened()
        for tag in UInt64(10)..<13 { _ = machine.send(address: "q", tag: tag, message: ByteBuffer(string: "m")) }
        _ = machine.received(Self.peer(.attach(AMQPAttach(name: "outpost-edge-sender-0-q", handle: 0, role: .receiver, target: .target(AMQPTarget(address: "q"))))))
        _ = machine.received(Self.credit(remoteHandle: 0, 10))
        #expect(machine.received(Self.peer(.disposition(AMQPDisposition(role: .receiver, first: 0, last: 1, settled: true, state: .accepted))))
            == [.outcome(tag: 10, state: .accepted), .outcome(tag: 11, state: .accepted)])
        let rejected = AMQPDeliveryState.rejected(AMQPRejected(error: AMQPError(condition: .resourceLimitExceeded, description: "queue full")))
        #expect(machine.received(Self.peer(.disposition(AMQPDisposition(role: .receiver, first: 2, settled: false, state: rejected)))) == [
            .outcome(tag: 12, state: rejected),
            Self.write(.disposition(AMQPDisposition(role: .sender, first: 2, settled: true, state: rejected))),
        ])
        #expect(machine.unsettledCount == 0)
        // A non-terminal state or an unknown id changes nothing.
        #expect(machine.received(Self.peer(.disposition(AMQPDisposition(role: .receiver, first: 0, last: 5, settled: true, state: .released)))) == [])
    }

    @Test func aDetachFromThePeerClosesWithItsCondition() {
        var machine = Self.opened()
        _ = machine.send(address: "q", tag: 1, message: ByteBuffer(string: "m"))
        _ = machine.received(Self.peer(.attach(AMQPAttach(name: "outpost-edge-sender-0-q", handle: 4, role: .receiver))))
        let error = AMQPError(condition: .unauthorizedAccess, description: "no send permission on q")
        #expect(machine.received(Self.peer(.detach(AMQPDetach(handle: 4, closed: true, error: error)))) == [
            Self.write(.close(AMQPClose())),
            .closed("the AMQP peer detached the link for 'q': amqp:unauthorized-access: no send permission on q"),
        ])
        #expect(machine.send(address: "q", tag: 2, message: ByteBuffer()) == [.outcome(tag: 2, state: .released)])
    }

    @Test func aCloseFromThePeerIsAnsweredAndReported() {
        var machine = Self.opened()
        #expect(machine.received(Self.peer(.close(AMQPClose(error: AMQPError(condition: .connectionForced, description: "shutting down"))))) == [
            Self.write(.close(AMQPClose())),
            .closed("the AMQP peer closed the connection: amqp:connection:forced: shutting down"),
        ])
        #expect(machine.channelInactive() == [])
    }

    @Test func ourCloseWaitsForThePeersClose() {
        var machine = Self.opened()
        #expect(machine.close() == [Self.write(.close(AMQPClose()))])
        #expect(machine.received(Self.peer(.close(AMQPClose()))) == [.closed("connection closed")])
    }

    @Test func losingTheSocketIsReported() {
        var machine = Self.opened()
        #expect(machine.channelInactive() == [.closed("connection to the AMQP peer lost")])
    }

    @Test func receiverGrantsCreditReassemblesAndAccepts() {
        var machine = Self.opened()
        let (handle, actions) = machine.attachReceiver(address: "orders", credit: 2)
        #expect(handle == 0)
        #expect(actions == [Self.write(.attach(AMQPAttach(
            name: "outpost-edge-receiver-0-orders", handle: 0, role: .receiver, senderSettleMode: .unsettled, receiverSettleMode: .first,
            source: AMQPSource(address: "orders"), target: .target(AMQPTarget(address: "outpost-edge"))
        )))])
        let flow = AMQPFlow(nextIncomingID: 0, incomingWindow: Machine.sessionIncomingWindow, nextOutgoingID: 0, outgoingWindow: Machine.sessionIncomingWindow, handle: 0, deliveryCount: 0, linkCredit: 2)
        #expect(machine.received(Self.peer(.attach(AMQPAttach(name: "outpost-edge-receiver-0-orders", handle: 3, role: .sender, source: AMQPSource(address: "orders"), initialDeliveryCount: 0)))) == [Self.write(.flow(flow))])
        #expect(machine.received(Self.peer(.transfer(AMQPTransfer(handle: 3, deliveryID: 0, deliveryTag: ByteBuffer(string: "t"), more: true)), payload: ByteBuffer(string: "hel"))) == [])
        #expect(machine.received(Self.peer(.transfer(AMQPTransfer(handle: 3, more: false)), payload: ByteBuffer(string: "lo"))) == [
            .message(address: "orders", deliveryID: 0, message: ByteBuffer(string: "hello"))
        ])
        #expect(machine.accept(deliveryID: 0) == [Self.write(.disposition(AMQPDisposition(role: .receiver, first: 0, settled: true, state: .accepted)))])
        let more = machine.addCredit(handle: 0, 1)
        guard case .write(.frame(let frame))? = more.first, case .flow(let granted) = frame.performative else { Issue.record("no flow: \(more)"); return }
        #expect(granted.linkCredit == 2)
        #expect(granted.deliveryCount == 1)
        #expect(granted.nextIncomingID == 2)
    }
}
