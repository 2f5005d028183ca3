import AMQPCodec
@testable import AMQPEngine

// Equatable only in the test target (CONVENTIONS, postgres-nio ConnectionAction+TestUtils): actions
// compare by their printed content, which covers every field (ByteBuffers print their bytes).
extension AMQPConnectionAction: Equatable {
    public static func == (lhs: AMQPConnectionAction, rhs: AMQPConnectionAction) -> Bool {
        String(describing: lhs) == String(describing: rhs)
    }
}

/// A frame action, for readable expectations.
func frame(_ channel: UInt16, _ performative: AMQPPerformative) -> AMQPConnectionAction {
    .sendFrame(AMQPFrame(channel: channel, performative: performative))
}

/// The close frame an action list contains, if any.
func closeError(in actions: [AMQPConnectionAction]) -> AMQPError? {
    for action in actions {
        if case .sendFrame(let frame) = action, case .close(let close) = frame.performative { return close.error }
    }
    return nil
}

/// A machine taken through SASL ANONYMOUS, the AMQP header and open.
func openedMachine(
    _ configuration: AMQPConnectionStateMachine.Configuration = .init(containerID: "broker"),
    peerMaxFrameSize: UInt32 = 1 << 20
) -> AMQPConnectionStateMachine {
    var machine = AMQPConnectionStateMachine(configuration: configuration)
    _ = machine.protocolHeaderReceived(.sasl)
    _ = machine.saslReceived(.initial(AMQPSASLInit(mechanism: "ANONYMOUS")))
    _ = machine.protocolHeaderReceived(.amqp)
    _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "client", maxFrameSize: peerMaxFrameSize))))
    _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .begin(AMQPBegin(nextOutgoingID: 0, incomingWindow: 100, outgoingWindow: 100))))
    return machine
}
