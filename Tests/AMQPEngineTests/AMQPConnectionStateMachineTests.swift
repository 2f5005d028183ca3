import AMQPCodec
import NIOCore
import Testing

@testable import AMQPEngine

@Suite struct AMQPConnectionStateMachineTests {
    let configuration = AMQPConnectionStateMachine.Configuration(containerID: "broker", idleTimeout: 60_000)

    @Test func saslAnonymousThenOpen() {
        var machine = AMQPConnectionStateMachine(configuration: self.configuration)
        #expect(machine.protocolHeaderReceived(.sasl) == [
            .sendProtocolHeader(.sasl),
            .sendSASL(.mechanisms(AMQPSASLMechanisms(mechanisms: ["PLAIN", "ANONYMOUS"]))),
        ])
        #expect(machine.saslReceived(.initial(AMQPSASLInit(mechanism: "ANONYMOUS"))) == [.sendSASL(.outcome(AMQPSASLOutcome(code: .ok)))])
        #expect(machine.protocolHeaderReceived(.amqp) == [.sendProtocolHeader(.amqp)])
        let actions = machine.frameReceived(AMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "client", idleTimeOut: 10_000))))
        #expect(actions == [
            frame(0, .open(AMQPOpen(containerID: "broker", maxFrameSize: 1 << 20, channelMax: 255, idleTimeOut: 60_000, offeredCapabilities: ["ANONYMOUS-RELAY"]))),
            .connectionOpened(containerID: "client", username: nil, maximumFrameSize: 1 << 20, heartbeatInterval: .milliseconds(5_000), idleTimeout: .milliseconds(60_000)),
        ])
    }

    @Test func saslPlainAsksForAuthentication() {
        var machine = AMQPConnectionStateMachine(configuration: self.configuration)
        _ = machine.protocolHeaderReceived(.sasl)
        let response = ByteBuffer(bytes: Array("\0alice\0secret".utf8))
        #expect(machine.saslReceived(.initial(AMQPSASLInit(mechanism: "PLAIN", initialResponse: response))) == [.authenticate(username: "alice", password: "secret")])
        #expect(machine.authenticationCompleted(success: true) == [.sendSASL(.outcome(AMQPSASLOutcome(code: .ok)))])
        #expect(machine.protocolHeaderReceived(.amqp) == [.sendProtocolHeader(.amqp)])
    }

    @Test func saslPlainWrongPasswordFailsAndCloses() {
        var machine = AMQPConnectionStateMachine(configuration: self.configuration)
        _ = machine.protocolHeaderReceived(.sasl)
        _ = machine.saslReceived(.initial(AMQPSASLInit(mechanism: "PLAIN", initialResponse: ByteBuffer(bytes: Array("\0alice\0nope".utf8)))))
        #expect(machine.authenticationCompleted(success: false) == [.sendSASL(.outcome(AMQPSASLOutcome(code: .auth))), .closeConnection])
        #expect(machine.isClosed)
    }

    @Test func malformedPlainResponseFails() {
        var machine = AMQPConnectionStateMachine(configuration: self.configuration)
        _ = machine.protocolHeaderReceived(.sasl)
        #expect(machine.saslReceived(.initial(AMQPSASLInit(mechanism: "PLAIN", initialResponse: ByteBuffer(bytes: [1, 2])))) == [.sendSASL(.outcome(AMQPSASLOutcome(code: .auth))), .closeConnection])
    }

    @Test func anonymousRefusedWhenNotAllowed() {
        var configuration = self.configuration
        configuration.allowAnonymous = false
        var machine = AMQPConnectionStateMachine(configuration: configuration)
        _ = machine.protocolHeaderReceived(.sasl)
        #expect(machine.saslReceived(.initial(AMQPSASLInit(mechanism: "ANONYMOUS"))) == [.sendSASL(.outcome(AMQPSASLOutcome(code: .auth))), .closeConnection])
    }

    @Test func skippingSASLWithoutAnonymousIsUnauthorized() {
        var configuration = self.configuration
        configuration.allowAnonymous = false
        var machine = AMQPConnectionStateMachine(configuration: configuration)
        #expect(machine.protocolHeaderReceived(.amqp) == [.sendProtocolHeader(.amqp)])
        let actions = machine.frameReceived(AMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "client"))))
        #expect(closeError(in: actions)?.condition == .unauthorizedAccess)
        #expect(actions.last == .closeConnection)
    }

    @Test func tinyMaxFrameSizeIsRefused() {
        var machine = AMQPConnectionStateMachine(configuration: self.configuration)
        _ = machine.protocolHeaderReceived(.amqp)
        let actions = machine.frameReceived(AMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "client", maxFrameSize: 256))))
        #expect(closeError(in: actions)?.condition == .frameSizeTooSmall)
    }

    @Test func unsupportedVersionGetsOurHeader() {
        var machine = AMQPConnectionStateMachine(configuration: self.configuration)
        #expect(machine.protocolHeaderReceived(AMQPProtocolHeader(protocolID: .amqp, major: 0, minor: 9, revision: 1)) == [.sendProtocolHeader(.amqp), .closeConnection])
    }

    @Test func decodeErrorsMapToConditions() {
        var machine = openedMachine()
        let actions = machine.decodingFailed(AMQPDecodingError(code: .unknownFormatCode, context: "attach", offset: 3))
        #expect(closeError(in: actions)?.condition == .decodeError)
        var other = openedMachine()
        #expect(closeError(in: other.decodingFailed(AMQPDecodingError(code: .frameTooLarge, context: "frame", offset: 0)))?.condition == .connectionFramingError)
    }

    @Test func idleTimeoutClosesWithResourceLimitExceeded() {
        var machine = openedMachine()
        #expect(closeError(in: machine.idleTimeoutExpired())?.condition == .resourceLimitExceeded)
        #expect(machine.isClosed)
    }

    @Test func beginIsAnsweredOnTheSameChannelAndEndReleasesLinks() {
        var machine = openedMachine()
        let begin = machine.frameReceived(AMQPFrame(channel: 3, performative: .begin(AMQPBegin(nextOutgoingID: 7, incomingWindow: 10, outgoingWindow: 10))))
        #expect(begin == [frame(3, .begin(AMQPBegin(remoteChannel: 3, nextOutgoingID: 0, incomingWindow: 2_147_483_647, outgoingWindow: 2_147_483_647, handleMax: 1023)))])
        _ = machine.frameReceived(AMQPFrame(channel: 3, performative: .attach(AMQPAttach(name: "l", handle: 0, role: .receiver, source: AMQPSource(address: "q")))))
        let end = machine.frameReceived(AMQPFrame(channel: 3, performative: .end(AMQPEnd())))
        #expect(end == [.releaseLink(AMQPLinkID(rawValue: 0), closed: false), frame(3, .end(AMQPEnd()))])
    }

    @Test func channelBeyondChannelMaxIsNotAllowed() {
        var machine = openedMachine()
        let actions = machine.frameReceived(AMQPFrame(channel: 999, performative: .begin(AMQPBegin(nextOutgoingID: 0, incomingWindow: 1, outgoingWindow: 1))))
        #expect(closeError(in: actions)?.condition == .notAllowed)
    }

    @Test func closeIsAnsweredAndReleasesEverything() {
        var machine = openedMachine()
        _ = machine.frameReceived(AMQPFrame(channel: 0, performative: .attach(AMQPAttach(name: "l", handle: 0, role: .receiver, source: AMQPSource(address: "q")))))
        #expect(machine.frameReceived(AMQPFrame(channel: 0, performative: .close(AMQPClose()))) == [
            .releaseLink(AMQPLinkID(rawValue: 0), closed: false), frame(0, .close(AMQPClose())), .closeConnection,
        ])
    }

    @Test func secondOpenIsIllegal() {
        var machine = openedMachine()
        #expect(closeError(in: machine.frameReceived(AMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "x")))))?.condition == .illegalState)
    }
}
