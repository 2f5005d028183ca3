import AMQPCodec
import NIOCore

/// The CLIENT role of an AMQP 1.0 connection (the uplink, `outpost send` / `outpost receive`):
/// SASL (PLAIN with a username, else ANONYMOUS), open, one session, sender links per address
/// (attached lazily) and receiver links. A plain struct: events in, actions out; the channel
/// handler (`AMQPClientChannelHandler`) does the I/O and the timers.
///
/// Outgoing messages are identified by an opaque `tag` chosen by the caller; their outcome comes
/// back as `.outcome(tag:state:)` once the peer's disposition says accepted/rejected/released/modified.
public struct AMQPClientConnectionStateMachine: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var containerID: String
        public var hostname: String?
        public var username: String?
        public var password: String?
        /// Our idle-time-out in ms (advertised in open; 0 = none).
        public var idleTimeOut: UInt32
        /// The largest frame we accept.
        public var maxFrameSize: UInt32

        public init(
            containerID: String,
            hostname: String? = nil,
            username: String? = nil,
            password: String? = nil,
            idleTimeOut: UInt32 = 60_000,
            maxFrameSize: UInt32 = 1 << 20
        ) {
            self.containerID = containerID
            self.hostname = hostname
            self.username = username
            self.password = password
            self.idleTimeOut = idleTimeOut
            self.maxFrameSize = maxFrameSize
        }
    }

    public enum Action: Sendable {
        /// Bytes for the socket.
        case write(AMQPInbound)
        /// The connection and its session are open.
        case opened
        /// Send a heartbeat (empty frame) this often: half the peer's idle-time-out.
        case startHeartbeats(milliseconds: Int64)
        /// The peer settled (or gave a terminal outcome for) the message sent with `tag`.
        case outcome(tag: UInt64, state: AMQPDeliveryState)
        /// A complete message arrived on the receiver link for `address`.
        case message(address: String, deliveryID: UInt32, message: ByteBuffer)
        /// The connection is over (the peer closed, detached, failed or went away); close the socket.
        case closed(String)
    }

    enum State: Equatable {
        case initial
        case awaitingSASLHeader
        case awaitingMechanisms
        case awaitingOutcome
        case awaitingAMQPHeader
        case awaitingOpen
        case awaitingBegin
        case open
        case closing
        case closed
    }

    struct PendingTransfer: Sendable {
        var tag: UInt64
        var message: ByteBuffer
    }

    struct Link: Sendable {
        var name: String
        var handle: UInt32
        var role: AMQPRole  // our role
        var address: String
        var remoteHandle: UInt32?
        var attachSent = false
        var credit: UInt32 = 0
        var deliveryCount: UInt32 = 0
        var pending: [PendingTransfer] = []
        /// Receiver: a multi-frame delivery being reassembled.
        var partial: ByteBuffer?
        var partialDeliveryID: UInt32?
    }

    /// Transfer frame overhead reserved when splitting a message to the peer's max-frame-size.
    static let transferOverhead = 64
    public static let sessionIncomingWindow: UInt32 = 2_147_483_647

    public let configuration: Configuration
    private(set) var state = State.initial
    private(set) var links: [UInt32: Link] = [:]
    private var senderHandles: [String: UInt32] = [:]
    private var remoteHandles: [UInt32: UInt32] = [:]
    private var nextHandle: UInt32 = 0
    private(set) var peerMaxFrameSize: UInt32 = 512
    private var nextOutgoingTransferID: UInt32 = 0
    private var nextIncomingTransferID: UInt32 = 0
    private(set) var remoteIncomingWindow: UInt32 = 0
    private var nextDeliveryID: UInt32 = 0
    /// Sent, not yet settled by the peer: delivery id → caller's tag.
    private(set) var unsettled: [UInt32: UInt64] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var isOpen: Bool { self.state == .open }
    public var isClosed: Bool { self.state == .closed }
    public var unsettledCount: Int { self.unsettled.count }

    // MARK: Connection events

    public mutating func channelActive() -> [Action] {
        guard self.state == .initial else { return [] }
        self.state = .awaitingSASLHeader
        return [.write(.protocolHeader(.sasl))]
    }

    public mutating func received(_ unit: AMQPInbound) -> [Action] {
        switch (self.state, unit) {
        case (.closed, _):
            return []
        case (_, .heartbeat):
            return []
        case (.awaitingSASLHeader, .protocolHeader(let header)):
            guard header.protocolID == .sasl else {
                return self.fail("the AMQP peer answered with protocol header \(header.protocolID.rawValue) instead of SASL")
            }
            self.state = .awaitingMechanisms
            return []
        case (.awaitingMechanisms, .saslFrame(.mechanisms(let offered))):
            return self.mechanismsReceived(offered.mechanisms)
        case (.awaitingOutcome, .saslFrame(.outcome(let outcome))):
            guard outcome.code == .ok else {
                return self.fail("SASL authentication with the AMQP peer failed (code \(outcome.code.rawValue))")
            }
            // Pipelined: the AMQP header, open and begin go out together.
            self.state = .awaitingAMQPHeader
            return [
                .write(.protocolHeader(.amqp)),
                .write(.frame(AMQPFrame(channel: 0, performative: .open(self.openPerformative())))),
                .write(.frame(AMQPFrame(channel: 0, performative: .begin(self.beginPerformative())))),
            ]
        case (.awaitingAMQPHeader, .protocolHeader(let header)):
            guard header.protocolID == .amqp, header.isVersion1_0_0 else {
                return self.fail("the AMQP peer answered with an unsupported protocol header")
            }
            self.state = .awaitingOpen
            return []
        case (.awaitingOpen, .frame(let frame)):
            guard case .open(let open) = frame.performative else { return self.unexpected(frame) }
            self.peerMaxFrameSize = max(512, open.maxFrameSize)
            self.state = .awaitingBegin
            if let idle = open.idleTimeOut, idle > 0 {
                return [.startHeartbeats(milliseconds: Int64(idle / 2))]
            }
            return []
        case (.awaitingBegin, .frame(let frame)):
            switch frame.performative {
            case .begin(let begin):
                self.nextIncomingTransferID = begin.nextOutgoingID
                self.remoteIncomingWindow = begin.incomingWindow
                self.state = .open
                var actions: [Action] = [.opened]
                for handle in self.links.keys.sorted() {
                    actions.append(contentsOf: self.attachIfNeeded(handle))
                }
                return actions
            case .close(let close):
                return self.peerClosed(close)
            case .open, .attach, .flow, .transfer, .disposition, .detach, .end:
                return self.unexpected(frame)
            }
        case (.open, .frame(let frame)), (.closing, .frame(let frame)):
            return self.frameReceived(frame)
        // Whatever else a state meets is out of order (each state's expected units are above).
        case (.initial, _), (.awaitingSASLHeader, _), (.awaitingMechanisms, _), (.awaitingOutcome, _),
            (.awaitingAMQPHeader, _), (.awaitingOpen, _), (.awaitingBegin, _), (.open, _), (.closing, _):
            return self.fail("unexpected \(unit) from the AMQP peer")
        }
    }

    public mutating func decodingFailed(_ error: any Error) -> [Action] {
        self.fail("cannot decode what the AMQP peer sent: \(error)")
    }

    /// A socket error or our idle-time-out expired.
    public mutating func connectionFailed(_ reason: String) -> [Action] {
        guard self.state != .closed else { return [] }
        return self.fail(reason)
    }

    public mutating func channelInactive() -> [Action] {
        switch self.state {
        case .closed:
            return []
        case .closing:
            self.state = .closed
            return [.closed("connection closed")]
        case .initial, .awaitingSASLHeader, .awaitingMechanisms, .awaitingOutcome, .awaitingAMQPHeader, .awaitingOpen,
            .awaitingBegin, .open:
            self.state = .closed
            return [.closed("connection to the AMQP peer lost")]
        }
    }

    /// Our own orderly close.
    public mutating func close() -> [Action] {
        switch self.state {
        case .closed, .closing:
            return []
        case .awaitingOpen, .awaitingBegin, .open:
            self.state = .closing
            return [.write(.frame(AMQPFrame(channel: 0, performative: .close(AMQPClose()))))]
        case .initial, .awaitingSASLHeader, .awaitingMechanisms, .awaitingOutcome, .awaitingAMQPHeader:
            // Before open there is no close frame to send.
            self.state = .closed
            return [.closed("connection closed")]
        }
    }

    // MARK: Sending

    /// Queues one encoded message for the sender link to `address` (attached on first use) and
    /// sends what credit and the session window allow.
    public mutating func send(address: String, tag: UInt64, message: ByteBuffer) -> [Action] {
        switch self.state {
        case .closing, .closed:
            return [.outcome(tag: tag, state: .released)]
        case .initial, .awaitingSASLHeader, .awaitingMechanisms, .awaitingOutcome, .awaitingAMQPHeader, .awaitingOpen,
            .awaitingBegin, .open:
            break
        }
        var actions: [Action] = []
        let handle: UInt32
        if let existing = self.senderHandles[address] {
            handle = existing
        } else {
            handle = self.newLink(role: .sender, address: address)
            self.senderHandles[address] = handle
            actions.append(contentsOf: self.attachIfNeeded(handle))
        }
        self.links[handle]?.pending.append(PendingTransfer(tag: tag, message: message))
        actions.append(contentsOf: self.pump(handle))
        return actions
    }

    // MARK: Receiving

    /// Attaches a receiver link from `address` and grants `credit`; returns the link's handle.
    public mutating func attachReceiver(address: String, credit: UInt32) -> (handle: UInt32, actions: [Action]) {
        let handle = self.newLink(role: .receiver, address: address)
        self.links[handle]?.credit = credit
        return (handle, self.attachIfNeeded(handle))
    }

    /// Grants `credit` more messages on a receiver link.
    public mutating func addCredit(handle: UInt32, _ credit: UInt32) -> [Action] {
        guard var link = self.links[handle], link.role == .receiver else { return [] }
        link.credit &+= credit
        self.links[handle] = link
        guard self.state == .open, link.remoteHandle != nil else { return [] }
        return [self.linkFlow(link)]
    }

    /// Accepts (and settles) a received delivery.
    public mutating func accept(deliveryID: UInt32) -> [Action] {
        self.settle(deliveryID: deliveryID, outcome: .accepted)
    }

    /// Settles a received delivery with `outcome` (accepted, rejected, released, modified).
    public mutating func settle(deliveryID: UInt32, outcome: AMQPDeliveryState) -> [Action] {
        guard self.state == .open else { return [] }
        let disposition = AMQPDisposition(role: .receiver, first: deliveryID, settled: true, state: outcome)
        return [.write(.frame(AMQPFrame(channel: 0, performative: .disposition(disposition))))]
    }

    // MARK: Frames

    private mutating func frameReceived(_ frame: AMQPFrame) -> [Action] {
        switch frame.performative {
        case .attach(let attach):
            return self.attachReceived(attach)
        case .flow(let flow):
            return self.flowReceived(flow)
        case .transfer(let transfer):
            return self.transferReceived(transfer, payload: frame.payload)
        case .disposition(let disposition):
            return self.dispositionReceived(disposition)
        case .detach(let detach):
            let address = self.remoteHandles[detach.handle].flatMap { self.links[$0]?.address } ?? "?"
            if self.state == .closing { return [] }
            return self.failWithClose("the AMQP peer detached the link for '\(address)'\(Self.describe(detach.error))")
        case .end(let end):
            if self.state == .closing { return [] }
            return self.failWithClose("the AMQP peer ended the session\(Self.describe(end.error))")
        case .close(let close):
            return self.peerClosed(close)
        case .open, .begin:
            return self.unexpected(frame)
        }
    }

    private mutating func attachReceived(_ attach: AMQPAttach) -> [Action] {
        guard let entry = self.links.first(where: { $0.value.name == attach.name && $0.value.remoteHandle == nil }) else {
            return self.failWithClose("the AMQP peer attached an unknown link '\(attach.name)'")
        }
        let handle = entry.key
        let link = entry.value
        self.links[handle]?.remoteHandle = attach.handle
        self.remoteHandles[attach.handle] = handle
        switch link.role {
        case .sender:
            // A refused link comes back without a target; its detach follows with the reason.
            return []
        case .receiver:
            if let initial = attach.initialDeliveryCount { self.links[handle]?.deliveryCount = initial }
            guard attach.source != nil, let link = self.links[handle] else { return [] }
            return [self.linkFlow(link)]
        }
    }

    private mutating func flowReceived(_ flow: AMQPFlow) -> [Action] {
        let peerNextIncoming = flow.nextIncomingID ?? 0
        self.remoteIncomingWindow = UInt32(
            clamping: max(0, Int64(peerNextIncoming) + Int64(flow.incomingWindow) - Int64(self.nextOutgoingTransferID))
        )
        var actions: [Action] = []
        // Fields are read, not the link copied: a copy held across `pump` would share its pending array.
        if let remote = flow.handle, let handle = self.remoteHandles[remote], let role = self.links[handle]?.role,
            let deliveryCount = self.links[handle]?.deliveryCount
        {
            if role == .sender {
                let peerCount = flow.deliveryCount ?? 0
                let credit = Int64(peerCount) + Int64(flow.linkCredit ?? 0) - Int64(deliveryCount)
                self.links[handle]?.credit = UInt32(clamping: max(0, credit))
                actions.append(contentsOf: self.pump(handle))
                if flow.drain, let drained = self.links[handle], drained.pending.isEmpty, drained.credit > 0 {
                    self.links[handle]?.deliveryCount &+= drained.credit
                    self.links[handle]?.credit = 0
                    actions.append(self.linkFlow(self.links[handle]!))
                } else if flow.echo {
                    actions.append(self.linkFlow(self.links[handle]!))
                }
            } else if flow.echo, let link = self.links[handle] {
                actions.append(self.linkFlow(link))
            }
        }
        // The session window may have opened for every link.
        for handle in self.links.keys.sorted() where self.links[handle]?.role == .sender {
            actions.append(contentsOf: self.pump(handle))
        }
        return actions
    }

    private mutating func transferReceived(_ transfer: AMQPTransfer, payload: ByteBuffer) -> [Action] {
        self.nextIncomingTransferID &+= 1
        guard let handle = self.remoteHandles[transfer.handle], var link = self.links[handle], link.role == .receiver else {
            return self.failWithClose("the AMQP peer sent a transfer on an unknown link handle \(transfer.handle)")
        }
        if link.partial == nil {
            guard let id = transfer.deliveryID else {
                return self.failWithClose("the AMQP peer sent a transfer without a delivery-id")
            }
            link.partialDeliveryID = id
            link.partial = payload
        } else {
            var bytes = payload
            link.partial!.writeBuffer(&bytes)
        }
        if transfer.aborted {
            link.partial = nil
            link.partialDeliveryID = nil
            self.links[handle] = link
            return []
        }
        guard !transfer.more, let message = link.partial, let id = link.partialDeliveryID else {
            self.links[handle] = link
            return []
        }
        link.partial = nil
        link.partialDeliveryID = nil
        link.deliveryCount &+= 1
        link.credit = link.credit > 0 ? link.credit - 1 : 0
        self.links[handle] = link
        return [.message(address: link.address, deliveryID: id, message: message)]
    }

    private mutating func dispositionReceived(_ disposition: AMQPDisposition) -> [Action] {
        // Only the peer's dispositions as receiver concern our unsettled transfers.
        guard disposition.role == .receiver, let state = disposition.state, state.isOutcome else { return [] }
        var actions: [Action] = []
        let last = disposition.last ?? disposition.first
        let count = last &- disposition.first
        guard count < 1 << 24 else { return self.failWithClose("the AMQP peer sent a disposition range of \(count) deliveries") }
        var id = disposition.first
        var settledAny = false
        for _ in 0...count {
            if let tag = self.unsettled.removeValue(forKey: id) {
                actions.append(.outcome(tag: tag, state: state))
                settledAny = true
            }
            id &+= 1
        }
        if settledAny && !disposition.settled {
            let settle = AMQPDisposition(role: .sender, first: disposition.first, last: disposition.last, settled: true, state: state)
            actions.append(.write(.frame(AMQPFrame(channel: 0, performative: .disposition(settle)))))
        }
        return actions
    }

    private mutating func peerClosed(_ close: AMQPClose) -> [Action] {
        let wasClosing = self.state == .closing
        self.state = .closed
        if wasClosing { return [.closed("connection closed")] }
        return [
            .write(.frame(AMQPFrame(channel: 0, performative: .close(AMQPClose())))),
            .closed("the AMQP peer closed the connection\(Self.describe(close.error))"),
        ]
    }

    // MARK: Helpers

    private mutating func mechanismsReceived(_ offered: [String]) -> [Action] {
        let initial: AMQPSASLInit
        if let username = self.configuration.username {
            guard offered.contains("PLAIN") else {
                return self.fail("the AMQP peer does not offer SASL PLAIN (offers \(offered.joined(separator: ", ")))")
            }
            var response = ByteBuffer()
            response.writeInteger(UInt8(0))
            response.writeString(username)
            response.writeInteger(UInt8(0))
            response.writeString(self.configuration.password ?? "")
            initial = AMQPSASLInit(mechanism: "PLAIN", initialResponse: response, hostname: self.configuration.hostname)
        } else {
            guard offered.contains("ANONYMOUS") else {
                return self.fail("the AMQP peer requires authentication (offers \(offered.joined(separator: ", "))); set a username")
            }
            initial = AMQPSASLInit(mechanism: "ANONYMOUS", initialResponse: ByteBuffer(string: "outpost"), hostname: self.configuration.hostname)
        }
        self.state = .awaitingOutcome
        return [.write(.saslFrame(.initial(initial)))]
    }

    private func openPerformative() -> AMQPOpen {
        AMQPOpen(
            containerID: self.configuration.containerID,
            hostname: self.configuration.hostname,
            maxFrameSize: self.configuration.maxFrameSize,
            channelMax: 0,
            idleTimeOut: self.configuration.idleTimeOut > 0 ? self.configuration.idleTimeOut : nil
        )
    }

    private func beginPerformative() -> AMQPBegin {
        AMQPBegin(
            nextOutgoingID: self.nextOutgoingTransferID,
            incomingWindow: Self.sessionIncomingWindow,
            outgoingWindow: Self.sessionIncomingWindow
        )
    }

    private mutating func newLink(role: AMQPRole, address: String) -> UInt32 {
        let handle = self.nextHandle
        self.nextHandle += 1
        let kind = role == .sender ? "sender" : "receiver"
        let name = "\(self.configuration.containerID)-\(kind)-\(handle)-\(address)"
        self.links[handle] = Link(name: name, handle: handle, role: role, address: address)
        return handle
    }

    private mutating func attachIfNeeded(_ handle: UInt32) -> [Action] {
        guard self.state == .open, var link = self.links[handle], !link.attachSent else { return [] }
        link.attachSent = true
        self.links[handle] = link
        let attach: AMQPAttach
        switch link.role {
        case .sender:
            attach = AMQPAttach(
                name: link.name,
                handle: handle,
                role: .sender,
                senderSettleMode: .unsettled,
                receiverSettleMode: .first,
                source: AMQPSource(address: self.configuration.containerID),
                // unsettled-state durability: RabbitMQ (and others) then make the queue durable.
                target: .target(AMQPTarget(address: link.address, durable: .unsettledState)),
                initialDeliveryCount: 0
            )
        case .receiver:
            attach = AMQPAttach(
                name: link.name,
                handle: handle,
                role: .receiver,
                senderSettleMode: .unsettled,
                receiverSettleMode: .first,
                source: AMQPSource(address: link.address),
                target: .target(AMQPTarget(address: self.configuration.containerID))
            )
        }
        return [.write(.frame(AMQPFrame(channel: 0, performative: .attach(attach))))]
    }

    private func linkFlow(_ link: Link) -> Action {
        let flow = AMQPFlow(
            nextIncomingID: self.nextIncomingTransferID,
            incomingWindow: Self.sessionIncomingWindow,
            nextOutgoingID: self.nextOutgoingTransferID,
            outgoingWindow: Self.sessionIncomingWindow,
            handle: link.handle,
            deliveryCount: link.deliveryCount,
            linkCredit: link.credit
        )
        return .write(.frame(AMQPFrame(channel: 0, performative: .flow(flow))))
    }

    /// Sends queued messages of one sender link within its credit and the session window.
    private mutating func pump(_ handle: UInt32) -> [Action] {
        // The link is taken out of the dictionary while it changes, so its `pending` array is not
        // shared (and copied whole on the first change). Sent transfers leave `pending` in one
        // removal after the loop: removing the first element per transfer shifted the whole backlog
        // (hundreds of messages under an uplink) once per message.
        guard self.state == .open, var link = self.links.removeValue(forKey: handle) else { return [] }
        guard link.role == .sender, link.remoteHandle != nil, link.credit > 0, self.remoteIncomingWindow > 0,
            !link.pending.isEmpty
        else {
            self.links[handle] = link
            return []
        }
        var actions: [Action] = []
        let chunk = Int(min(self.peerMaxFrameSize, UInt32(Int32.max))) - 8 - Self.transferOverhead
        var sentCount = 0
        while link.credit > 0, self.remoteIncomingWindow > 0, sentCount < link.pending.count {
            let next = link.pending[sentCount]
            sentCount += 1
            let deliveryID = self.nextDeliveryID
            self.nextDeliveryID &+= 1
            var tag = ByteBuffer()
            tag.writeInteger(deliveryID)
            var remaining = next.message
            var first = true
            repeat {
                let size = min(chunk, remaining.readableBytes)
                let piece = remaining.readSlice(length: size)!
                let more = remaining.readableBytes > 0
                let transfer = AMQPTransfer(
                    handle: handle,
                    deliveryID: first ? deliveryID : nil,
                    deliveryTag: first ? tag : nil,
                    messageFormat: first ? 0 : nil,
                    settled: first ? false : nil,
                    more: more
                )
                actions.append(.write(.frame(AMQPFrame(channel: 0, performative: .transfer(transfer), payload: piece))))
                self.nextOutgoingTransferID &+= 1
                self.remoteIncomingWindow = self.remoteIncomingWindow > 0 ? self.remoteIncomingWindow - 1 : 0
                first = false
            } while remaining.readableBytes > 0
            self.unsettled[deliveryID] = next.tag
            link.credit -= 1
            link.deliveryCount &+= 1
        }
        link.pending.removeFirst(sentCount)
        self.links[handle] = link
        return actions
    }

    private mutating func fail(_ reason: String) -> [Action] {
        self.state = .closed
        return [.closed(reason)]
    }

    private mutating func failWithClose(_ reason: String) -> [Action] {
        self.state = .closed
        return [.write(.frame(AMQPFrame(channel: 0, performative: .close(AMQPClose())))), .closed(reason)]
    }

    private mutating func unexpected(_ frame: AMQPFrame) -> [Action] {
        self.failWithClose("unexpected \(Self.name(frame.performative)) from the AMQP peer in state \(self.state)")
    }

    static func describe(_ error: AMQPError?) -> String {
        guard let error else { return "" }
        if let description = error.description, !description.isEmpty {
            return ": \(error.condition.rawValue): \(description)"
        }
        return ": \(error.condition.rawValue)"
    }

    static func name(_ performative: AMQPPerformative) -> String {
        switch performative {
        case .open: return "open"
        case .begin: return "begin"
        case .attach: return "attach"
        case .flow: return "flow"
        case .transfer: return "transfer"
        case .disposition: return "disposition"
        case .detach: return "detach"
        case .end: return "end"
        case .close: return "close"
        }
    }
}
