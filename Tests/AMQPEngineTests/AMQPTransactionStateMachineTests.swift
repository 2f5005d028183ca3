import AMQPCodec
@testable import BrokerCore
import BrokerStore
import NIOCore
import Testing

@testable import AMQPEngine

/// Scripts for local transactions: the coordinator link, declare and discharge, transactional
/// transfers and dispositions, rollback when the session ends.
@Suite struct AMQPTransactionStateMachineTests {
    let coordinatorLink = AMQPLinkID(rawValue: 0)
    let transactionID = ByteBuffer(bytes: [0, 0, 0, 0, 0, 0, 0, 1])

    func attachCoordinator(_ machine: inout AMQPConnectionStateMachine, capabilities: [String] = ["amqp:local-transactions"]) -> [AMQPConnectionAction] {
        let attach = AMQPAttach(name: "txn-ctrl", handle: 0, role: .sender, target: .coordinator(AMQPCoordinator(capabilities: capabilities)), initialDeliveryCount: 0)
        return machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(attach)))
    }

    /// A coordinator message: one amqp-value section holding `body`.
    func control(_ handle: UInt32, id: UInt32, _ body: AMQPValue) -> AMQPFrame {
        var payload = ByteBuffer()
        _ = payload.writeAMQPValue(.described(descriptor: .ulong(0x77), value: body))
        return AMQPFrame(
            channel: 0,
            performative: .transfer(AMQPTransfer(handle: handle, deliveryID: id, deliveryTag: ByteBuffer(integer: id))),
            payload: payload
        )
    }

    func declare() -> AMQPValue { .described(descriptor: .symbol("amqp:declare:list"), value: .list([])) }

    func discharge(fail: Bool) -> AMQPValue {
        .described(descriptor: .ulong(0x32), value: .list([.binary(self.transactionID), .boolean(fail)]))
    }

    @Test func aCoordinatorLinkIsAttachedWithCreditWithoutResolvingAnAddress() {
        var machine = openedMachine()
        let actions = self.attachCoordinator(&machine)
        #expect(!actions.contains { if case .resolveLink = $0 { return true } else { return false } })
        guard case .sendFrame(let reply) = actions.first, case .attach(let attach) = reply.performative else {
            Issue.record("expected the attach reply, got \(actions)")
            return
        }
        #expect(attach.target == .coordinator(AMQPCoordinator(capabilities: ["amqp:local-transactions"])))
        #expect(actions.contains { if case .sendFrame(let frame) = $0, case .flow = frame.performative { return true } else { return false } })
    }

    @Test func distributedTransactionsAreRefusedAsNotImplemented() {
        var machine = openedMachine()
        let actions = self.attachCoordinator(&machine, capabilities: ["amqp:distributed-transactions"])
        let detach = actions.compactMap { action -> AMQPDetach? in
            if case .sendFrame(let frame) = action, case .detach(let detach) = frame.performative { return detach }
            return nil
        }.first
        #expect(detach?.error?.condition == .notImplemented)
    }

    @Test func declareAndDischargeBecomeActionsAndTheirOutcomesDispositions() {
        var machine = openedMachine()
        _ = self.attachCoordinator(&machine)
        #expect(machine.frameReceived(self.control(0, id: 0, self.declare())) == [
            .declareTransaction(self.coordinatorLink, channel: 0, deliveryID: 0, settled: false)
        ])
        let declared = machine.publishCompleted(
            self.coordinatorLink, deliveryID: 0, settled: false, .success(()), acceptedState: .declared(AMQPDeclared(transactionID: self.transactionID))
        )
        #expect(declared.first == .sendDisposition(channel: 0, role: .receiver, deliveryID: 0, settled: true, state: .declared(AMQPDeclared(transactionID: self.transactionID))))

        #expect(machine.frameReceived(self.control(0, id: 1, self.discharge(fail: false))) == [
            .dischargeTransaction(self.coordinatorLink, deliveryID: 1, settled: false, transactionID: self.transactionID, fail: false)
        ])
        let rolledBack = AMQPError(condition: .transactionRollback, description: "queue full")
        #expect(machine.publishCompleted(self.coordinatorLink, deliveryID: 1, settled: false, .failure(rolledBack)).first
            == .sendDisposition(channel: 0, role: .receiver, deliveryID: 1, settled: true, state: .rejected(AMQPRejected(error: rolledBack))))
    }

    @Test func aMalformedCoordinatorMessageIsRejected() {
        var machine = openedMachine()
        _ = self.attachCoordinator(&machine)
        let actions = machine.frameReceived(self.control(0, id: 0, .string("commit please")))
        guard case .sendDisposition(_, _, _, _, .rejected(let rejected)) = actions.first else {
            Issue.record("expected a rejection, got \(actions)")
            return
        }
        #expect(rejected.error?.condition == .decodeError)
    }

    @Test func aTransactionalTransferCarriesItsTransactionID() {
        var machine = openedMachine()
        let attach = AMQPAttach(name: "p", handle: 1, role: .sender, target: .target(AMQPTarget(address: "q")), initialDeliveryCount: 0)
        _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(attach)))
        _ = machine.linkResolved(AMQPLinkID(rawValue: 0), .success(AMQPResolvedNode(address: "q")))
        let state = AMQPDeliveryState.transactional(AMQPTransactionalState(transactionID: self.transactionID))
        let transfer = AMQPTransfer(handle: 1, deliveryID: 0, deliveryTag: ByteBuffer(integer: UInt32(0)), state: state)
        let actions = machine.frameReceived(AMQPFrame(channel: 0, performative: .transfer(transfer), payload: ByteBuffer(string: "m")))
        #expect(actions == [.publish(AMQPLinkID(rawValue: 0), deliveryID: 0, settled: false, message: ByteBuffer(string: "m"), transactionID: self.transactionID)])
    }

    @Test func endingTheSessionRollsBackItsTransactions() {
        var machine = openedMachine()
        _ = self.attachCoordinator(&machine)
        let actions = machine.frameReceived(AMQPFrame(channel: 0, performative: .end(AMQPEnd())))
        #expect(actions.contains(.rollbackTransactions(channel: 0)))
    }
}
