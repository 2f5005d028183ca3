import AMQPCodec
import BrokerCore
import NIOCore

/// The server side of one AMQP connection (part 2.4 and 5.3): protocol headers, SASL, open/close,
/// and the sessions it carries, which in turn carry links. A plain value: events in, actions out;
/// it never touches a channel, a clock or the broker.
public struct AMQPConnectionStateMachine {
    public struct Configuration: Sendable {
        public var containerID: String
        /// The largest frame the broker accepts (announced in open).
        public var maximumFrameSize: UInt32
        public var channelMax: UInt16
        public var handleMax: UInt32
        /// Milliseconds; announced in open. A peer silent for longer is closed. nil: none.
        public var idleTimeout: UInt32?
        public var allowAnonymous: Bool
        /// Whether SASL PLAIN is offered (there are users).
        public var offersPlain: Bool
        public var maximumMessageSize: Int
        /// Credit a producer link keeps open (messages received but not yet stored count against it).
        public var producerCreditWindow: UInt32

        public init(
            containerID: String,
            maximumFrameSize: UInt32 = 1 << 20,
            channelMax: UInt16 = 255,
            handleMax: UInt32 = 1023,
            idleTimeout: UInt32? = 60_000,
            allowAnonymous: Bool = true,
            offersPlain: Bool = true,
            maximumMessageSize: Int = 64 << 20,
            producerCreditWindow: UInt32 = 500
        ) {
            self.containerID = containerID
            self.maximumFrameSize = maximumFrameSize
            self.channelMax = channelMax
            self.handleMax = handleMax
            self.idleTimeout = idleTimeout
            self.allowAnonymous = allowAnonymous
            self.offersPlain = offersPlain
            self.maximumMessageSize = maximumMessageSize
            self.producerCreditWindow = producerCreditWindow
        }
    }

    /// The SASL mechanisms this broker knows (part 5.3.3.1).
    public enum Mechanism {
        public static let anonymous = "ANONYMOUS"
        public static let plain = "PLAIN"
    }

    /// The capability that says links may have a null target (each message's `to` routes it).
    public static let anonymousRelayCapability = "ANONYMOUS-RELAY"
    /// The spec's smallest max-frame-size (MIN-MAX-FRAME-SIZE, part 2.7.1).
    static let minimumMaximumFrameSize: UInt32 = 512

    enum State {
        case awaitingProtocolHeader
        case awaitingSASLInit
        case authenticating(username: String)
        /// SASL succeeded; the peer sends the AMQP header next.
        case awaitingAMQPHeader(username: String?)
        /// `authorized` is false when the peer skipped SASL where anonymous access is not allowed:
        /// its open is answered with a close (unauthorized-access).
        case awaitingOpen(username: String?, authorized: Bool)
        case open(OpenState)
        /// Close sent (or the socket is going away): everything else is ignored.
        case closed
    }

    struct OpenState {
        var peerContainerID: String
        var username: String?
        var peerMaximumFrameSize: UInt32
        var peerChannelMax: UInt16
    }

    let configuration: Configuration
    private(set) var state: State = .awaitingProtocolHeader
    /// The sessions by channel; empty unless open. Kept beside `state`, not in its payload, so a
    /// frame changes its session in place: a copy out of the enum shared the dictionaries of the
    /// session and its links, and each write-back copied them (two allocations per transfer).
    private var sessions: [UInt16: AMQPSessionStateMachine] = [:]
    private var nextLinkID: UInt64 = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var isClosed: Bool {
        if case .closed = self.state { return true }
        return false
    }

    var mechanisms: [String] {
        var mechanisms: [String] = []
        if self.configuration.offersPlain { mechanisms.append(Mechanism.plain) }
        if self.configuration.allowAnonymous { mechanisms.append(Mechanism.anonymous) }
        // Offer PLAIN even without users, so a client gets a clean sasl-outcome auth.
        return mechanisms.isEmpty ? [Mechanism.plain] : mechanisms
    }

    // MARK: Protocol headers and SASL

    public mutating func protocolHeaderReceived(_ header: AMQPProtocolHeader) -> [AMQPConnectionAction] {
        guard header.isVersion1_0_0 else {
            return self.refuseHeader()
        }
        switch self.state {
        case .awaitingProtocolHeader:
            switch header.protocolID {
            case .sasl:
                self.state = .awaitingSASLInit
                return [.sendProtocolHeader(.sasl), .sendSASL(.mechanisms(AMQPSASLMechanisms(mechanisms: self.mechanisms)))]
            case .amqp:
                self.state = .awaitingOpen(username: nil, authorized: self.configuration.allowAnonymous)
                return [.sendProtocolHeader(.amqp)]
            default:
                return self.refuseHeader()
            }
        case .awaitingAMQPHeader(let username):
            guard header.protocolID == .amqp else { return self.refuseHeader() }
            self.state = .awaitingOpen(username: username, authorized: true)
            return [.sendProtocolHeader(.amqp)]
        case .awaitingSASLInit, .authenticating, .awaitingOpen, .open:
            return self.closeWithError(AMQPError(condition: .connectionFramingError, description: "unexpected protocol header"))
        case .closed:
            return []
        }
    }

    /// A header this broker does not speak: answer with the one it prefers and close (part 2.2).
    private mutating func refuseHeader() -> [AMQPConnectionAction] {
        self.state = .closed
        return [.sendProtocolHeader(self.configuration.allowAnonymous ? .amqp : .sasl), .closeConnection]
    }

    public mutating func saslReceived(_ performative: AMQPSASLPerformative) -> [AMQPConnectionAction] {
        guard case .awaitingSASLInit = self.state, case .initial(let initial) = performative else {
            return self.failSASL(.sys)
        }
        switch initial.mechanism {
        case Mechanism.anonymous where self.configuration.allowAnonymous:
            self.state = .awaitingAMQPHeader(username: nil)
            return [.sendSASL(.outcome(AMQPSASLOutcome(code: .ok)))]
        case Mechanism.plain:
            guard let response = initial.initialResponse, let (username, password) = Self.parsePlain(response) else {
                return self.failSASL(.auth)
            }
            self.state = .authenticating(username: username)
            return [.authenticate(username: username, password: password)]
        default:
            return self.failSASL(.auth)
        }
    }

    /// PLAIN's message: `[authzid] NUL authcid NUL passwd` (RFC 4616).
    static func parsePlain(_ response: ByteBuffer) -> (String, String)? {
        let bytes = Array(response.readableBytesView)
        let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        guard let username = String(validating: parts[1], as: UTF8.self),
            let password = String(validating: parts[2], as: UTF8.self), !username.isEmpty
        else { return nil }
        return (username, password)
    }

    public mutating func authenticationCompleted(success: Bool) -> [AMQPConnectionAction] {
        guard case .authenticating(let username) = self.state else { return [] }
        guard success else { return self.failSASL(.auth) }
        self.state = .awaitingAMQPHeader(username: username)
        return [.sendSASL(.outcome(AMQPSASLOutcome(code: .ok)))]
    }

    private mutating func failSASL(_ code: AMQPSASLCode) -> [AMQPConnectionAction] {
        self.state = .closed
        return [.sendSASL(.outcome(AMQPSASLOutcome(code: code))), .closeConnection]
    }

    // MARK: Frames

    public mutating func frameReceived(_ frame: AMQPFrame) -> [AMQPConnectionAction] {
        switch self.state {
        case .awaitingOpen(let username, let authorized):
            guard frame.channel == 0, case .open(let open) = frame.performative else {
                return self.closeWithError(AMQPError(condition: .illegalState, description: "the first frame must be open"))
            }
            return self.openReceived(open, username: username, authorized: authorized)
        case .open:
            do {
                return try self.openFrameReceived(frame)
            } catch let violation as AMQPProtocolViolation {
                return self.closeWithError(violation.error)
            } catch {
                return self.closeWithError(AMQPError(condition: .internalError, description: "\(error)"))
            }
        case .closed:
            return []
        case .awaitingProtocolHeader, .awaitingSASLInit, .authenticating, .awaitingAMQPHeader:
            return self.closeWithError(AMQPError(condition: .connectionFramingError, description: "frame before the protocol header"))
        }
    }

    public mutating func saslFrameOutOfPlace() -> [AMQPConnectionAction] {
        self.closeWithError(AMQPError(condition: .connectionFramingError, description: "SASL frame outside the SASL layer"))
    }

    public mutating func heartbeatReceived() -> [AMQPConnectionAction] {
        switch self.state {
        case .open, .awaitingOpen, .closed:
            return []
        case .awaitingProtocolHeader, .awaitingSASLInit, .authenticating, .awaitingAMQPHeader:
            return self.closeWithError(AMQPError(condition: .connectionFramingError, description: "empty frame before open"))
        }
    }

    private mutating func openReceived(_ open: AMQPOpen, username: String?, authorized: Bool) -> [AMQPConnectionAction] {
        let reply = AMQPOpen(
            containerID: self.configuration.containerID,
            maxFrameSize: self.configuration.maximumFrameSize,
            channelMax: self.configuration.channelMax,
            idleTimeOut: self.configuration.idleTimeout,
            offeredCapabilities: [Self.anonymousRelayCapability]
        )
        var actions: [AMQPConnectionAction] = [.send(0, .open(reply))]
        guard authorized else {
            self.state = .closed
            actions.append(.send(0, .close(AMQPClose(error: AMQPError(condition: .unauthorizedAccess, description: "anonymous access is not allowed: authenticate with SASL PLAIN")))))
            actions.append(.closeConnection)
            return actions
        }
        guard open.maxFrameSize >= Self.minimumMaximumFrameSize else {
            self.state = .closed
            actions.append(.send(0, .close(AMQPClose(error: AMQPError(condition: .frameSizeTooSmall, description: "max-frame-size \(open.maxFrameSize) is below 512")))))
            actions.append(.closeConnection)
            return actions
        }
        self.state = .open(
            OpenState(
                peerContainerID: open.containerID,
                username: username,
                peerMaximumFrameSize: open.maxFrameSize,
                peerChannelMax: open.channelMax
            )
        )
        // Send heartbeats at half the peer's idle timeout (part 2.4.5).
        let heartbeat = open.idleTimeOut.flatMap { $0 > 0 ? TimeAmount.milliseconds(Int64($0 / 2)) : nil }
        let idle = self.configuration.idleTimeout.flatMap { $0 > 0 ? TimeAmount.milliseconds(Int64($0)) : nil }
        actions.append(
            .connectionOpened(
                containerID: open.containerID,
                username: username,
                maximumFrameSize: self.configuration.maximumFrameSize,
                heartbeatInterval: heartbeat,
                idleTimeout: idle
            )
        )
        return actions
    }

    private mutating func openFrameReceived(_ frame: AMQPFrame) throws -> [AMQPConnectionAction] {
        guard case .open(let open) = self.state else { return [] }
        let channel = frame.channel
        switch frame.performative {
        case .open:
            throw AMQPProtocolViolation(.illegalState, "open received twice")
        case .close:
            var actions = self.releaseAllSessions()
            self.state = .closed
            actions.append(.send(0, .close(AMQPClose())))
            actions.append(.closeConnection)
            return actions
        case .begin(let begin):
            guard channel <= self.configuration.channelMax else {
                throw AMQPProtocolViolation(.notAllowed, "channel \(channel) exceeds channel-max \(self.configuration.channelMax)")
            }
            guard self.sessions[channel] == nil else {
                throw AMQPProtocolViolation(.notAllowed, "channel \(channel) already has a session")
            }
            guard begin.remoteChannel == nil else {
                throw AMQPProtocolViolation(.notAllowed, "begin answers a session the broker never started")
            }
            let session = AMQPSessionStateMachine(channel: channel, begin: begin)
            self.sessions[channel] = session
            return [.send(channel, .begin(session.beginReply(handleMax: self.configuration.handleMax, remoteChannel: channel)))]
        case .end:
            guard var session = self.sessions.removeValue(forKey: channel) else {
                throw AMQPProtocolViolation(.illegalState, "end on channel \(channel) without a session")
            }
            var actions = session.ended()
            actions.append(.send(channel, .end(AMQPEnd())))
            return actions
        case .attach(let attach):
            let linkID = AMQPLinkID(rawValue: self.nextLinkID)
            self.nextLinkID += 1
            let context = self.sessionContext(open)
            return try self.withSession(channel) { try $0.attachReceived(attach, linkID: linkID, context: context) }
        case .flow(let flow):
            return try self.withSession(channel) { try $0.flowReceived(flow) }
        case .transfer(let transfer):
            return try self.withSession(channel) { try $0.transferReceived(transfer, payload: frame.payload) }
        case .disposition(let disposition):
            return try self.withSession(channel) { $0.dispositionReceived(disposition) }
        case .detach(let detach):
            return try self.withSession(channel) { try $0.detachReceived(detach) }
        }
    }

    private func sessionContext(_ open: OpenState) -> AMQPSessionStateMachine.Context {
        AMQPSessionStateMachine.Context(
            peerContainerID: open.peerContainerID,
            peerMaximumFrameSize: open.peerMaximumFrameSize,
            maximumMessageSize: self.configuration.maximumMessageSize,
            creditWindow: self.configuration.producerCreditWindow,
            handleMax: self.configuration.handleMax
        )
    }

    private mutating func withSession(
        _ channel: UInt16,
        _ body: (inout AMQPSessionStateMachine) throws -> [AMQPConnectionAction]
    ) throws -> [AMQPConnectionAction] {
        guard case .open = self.state else { return [] }
        guard let index = self.sessions.index(forKey: channel) else {
            throw AMQPProtocolViolation(.illegalState, "frame on channel \(channel), which has no session")
        }
        // In place: no copy of the session (or of its links) while it changes.
        return try body(&self.sessions.values[index])
    }

    /// Runs an event for the session that holds `linkID`; nothing when the link is gone.
    private mutating func withLink(
        _ linkID: AMQPLinkID,
        _ body: (inout AMQPSessionStateMachine, AMQPSessionStateMachine.Context) -> [AMQPConnectionAction]
    ) -> [AMQPConnectionAction] {
        guard case .open(let open) = self.state,
            let channel = self.sessions.first(where: { $0.value.handle(of: linkID) != nil })?.key
        else { return [] }
        let context = self.sessionContext(open)
        return (try? self.withSession(channel) { body(&$0, context) }) ?? []
    }

    // MARK: Broker callbacks

    public mutating func linkResolved(_ linkID: AMQPLinkID, _ result: Result<AMQPResolvedNode, AMQPError>) -> [AMQPConnectionAction] {
        self.withLink(linkID) { session, _ in session.linkResolved(linkID, result) }
    }

    public mutating func publishCompleted(
        _ linkID: AMQPLinkID,
        deliveryID: UInt32,
        settled: Bool,
        _ result: Result<Void, AMQPError>,
        acceptedState: AMQPDeliveryState = .accepted
    ) -> [AMQPConnectionAction] {
        self.withLink(linkID) { session, _ in
            session.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, result, acceptedState: acceptedState)
        }
    }

    /// A burst of completions, in the order they finished; their actions come back in one array.
    public mutating func publishesCompleted(_ completions: [AMQPPublishCompletion]) -> [AMQPConnectionAction] {
        guard case .open = self.state else { return [] }
        var actions: [AMQPConnectionAction] = []
        actions.reserveCapacity(completions.count)
        // A burst is mostly one link's: look its session up once per run of the same link.
        var current: (linkID: AMQPLinkID, channel: UInt16?)?
        for completion in completions {
            if current?.linkID != completion.linkID {
                current = (completion.linkID, self.sessions.first { $0.value.handle(of: completion.linkID) != nil }?.key)
            }
            guard let channel = current?.channel, let index = self.sessions.index(forKey: channel) else { continue }
            self.sessions.values[index].publishCompleted(
                completion.linkID,
                deliveryID: completion.deliveryID,
                settled: completion.settled,
                completion.result,
                into: &actions
            )
        }
        return actions
    }

    public mutating func targetHasCapacity(_ linkID: AMQPLinkID) -> [AMQPConnectionAction] {
        self.withLink(linkID) { session, _ in session.targetHasCapacity(linkID) }
    }

    public mutating func deliveriesArrived(_ linkID: AMQPLinkID, _ deliveries: [Delivery]) -> [AMQPConnectionAction] {
        self.withLink(linkID) { session, context in session.deliveriesArrived(linkID, deliveries, context: context) }
    }

    public mutating func drainCompleted(_ linkID: AMQPLinkID) -> [AMQPConnectionAction] {
        self.withLink(linkID) { session, _ in session.drainCompleted(linkID) }
    }

    // MARK: Errors and teardown

    /// Undecodable input: framing problems and malformed performatives end the connection.
    public mutating func decodingFailed(_ error: AMQPDecodingError) -> [AMQPConnectionAction] {
        let condition: AMQPErrorCondition
        switch error.code {
        case .invalidProtocolHeader:
            return self.refuseHeader()
        case .frameTooLarge, .frameTooSmall, .invalidDataOffset, .unsupportedFrameType, .unexpectedFrameBody:
            condition = .connectionFramingError
        default:
            condition = .decodeError
        }
        return self.closeWithError(AMQPError(condition: condition, description: "\(error)"))
    }

    /// Nothing arrived within the broker's idle timeout (part 2.4.5).
    public mutating func idleTimeoutExpired() -> [AMQPConnectionAction] {
        self.closeWithError(AMQPError(condition: .resourceLimitExceeded, description: "no frame received within the idle timeout"))
    }

    /// Management or shutdown closes the connection.
    public mutating func closeRequested() -> [AMQPConnectionAction] {
        self.closeWithError(AMQPError(condition: .connectionForced, description: "closed by the broker"))
    }

    /// The socket is gone: release everything (durable subscriptions stay).
    public mutating func connectionLost() -> [AMQPConnectionAction] {
        let actions = self.releaseAllSessions()
        self.state = .closed
        return actions
    }

    private mutating func releaseAllSessions() -> [AMQPConnectionAction] {
        guard case .open = self.state else { return [] }
        var actions: [AMQPConnectionAction] = []
        for channel in self.sessions.keys.sorted() {
            actions.append(contentsOf: self.sessions[channel]?.ended() ?? [])
        }
        self.sessions.removeAll()
        return actions
    }

    /// Sends close with `error` when open was exchanged (or answers a pending open first), then closes
    /// the socket. Before that point there is no frame to carry the error: the socket just closes.
    mutating func closeWithError(_ error: AMQPError) -> [AMQPConnectionAction] {
        switch self.state {
        case .open:
            var actions = self.releaseAllSessions()
            self.state = .closed
            actions.append(.send(0, .close(AMQPClose(error: error))))
            actions.append(.closeConnection)
            return actions
        case .awaitingOpen:
            self.state = .closed
            let open = AMQPOpen(containerID: self.configuration.containerID, maxFrameSize: self.configuration.maximumFrameSize)
            return [.send(0, .open(open)), .send(0, .close(AMQPClose(error: error))), .closeConnection]
        case .awaitingProtocolHeader, .awaitingSASLInit, .authenticating, .awaitingAMQPHeader:
            self.state = .closed
            return [.closeConnection]
        case .closed:
            return []
        }
    }
}
