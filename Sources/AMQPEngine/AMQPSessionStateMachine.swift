import AMQPCodec
import BrokerCore
import BrokerStore
import NIOCore

/// One session (part 2.5): transfer ids and windows, delivery ids, the links attached on it, and the
/// unsettled deliveries the broker sent. In the server role the broker answers each begin on the same
/// channel number and each attach with the same handle, which the peer already made unique.
struct AMQPSessionStateMachine {
    /// What the session needs from its connection.
    struct Context {
        var peerContainerID: String
        var peerMaximumFrameSize: UInt32
        var maximumMessageSize: Int
        var creditWindow: UInt32
        var handleMax: UInt32
    }

    enum Link {
        /// The peer sends on it; the broker receives.
        case receiver(AMQPReceiverLinkStateMachine)
        /// The broker sends on it; the peer receives.
        case sender(AMQPSenderLinkStateMachine)

        var id: AMQPLinkID {
            switch self {
            case .receiver(let link): return link.id
            case .sender(let link): return link.id
            }
        }
    }

    struct LinkSlot {
        var link: Link
        /// The peer's attach, kept until the broker resolved the node and the reply is sent.
        var peerAttach: AMQPAttach?
        /// The broker already sent a detach (refused, or detached for an error).
        var detachSent = false
    }

    struct UnsettledDelivery {
        var handle: UInt32
        var link: AMQPLinkID
        var key: EntryKey
        /// A browser's copy: its outcome settles it and leaves the queue as it is.
        var isBrowsed: Bool
    }

    /// The session window of incoming transfers the broker announces: effectively unbounded, since
    /// link credit already bounds what a peer may send.
    static let incomingWindow: UInt32 = 2_147_483_647
    static let outgoingWindow: UInt32 = 2_147_483_647
    /// Transfer performative bytes besides the tag, as an upper bound (frame header 8, descriptor 3,
    /// list header 9, eleven fields at most 5 bytes each).
    static let transferOverhead = 8 + 3 + 9 + 11 * 5 + 2

    let channel: UInt16
    var nextOutgoingTransferID: UInt32 = 0
    var nextDeliveryID: UInt32 = 0
    var nextIncomingTransferID: UInt32
    var remoteIncomingWindow: UInt32
    var links: [UInt32: LinkSlot] = [:]
    /// The handle of each link in `links`, for broker callbacks, which name links by id.
    private var handles: [AMQPLinkID: UInt32] = [:]
    var unsettled: [UInt32: UnsettledDelivery] = [:]
    /// Transfer frames waiting for the peer's incoming window.
    var pendingTransfers: [AMQPFrame] = []

    init(channel: UInt16, begin: AMQPBegin) {
        self.channel = channel
        self.nextIncomingTransferID = begin.nextOutgoingID
        self.remoteIncomingWindow = begin.incomingWindow
    }

    func beginReply(handleMax: UInt32, remoteChannel: UInt16) -> AMQPBegin {
        AMQPBegin(
            remoteChannel: remoteChannel,
            nextOutgoingID: self.nextOutgoingTransferID,
            incomingWindow: Self.incomingWindow,
            outgoingWindow: Self.outgoingWindow,
            handleMax: handleMax
        )
    }

    // MARK: Attach and detach

    mutating func attachReceived(_ attach: AMQPAttach, linkID: AMQPLinkID, context: Context) throws -> [AMQPConnectionAction] {
        guard attach.handle <= context.handleMax else {
            throw AMQPProtocolViolation(.notAllowed, "handle \(attach.handle) exceeds handle-max \(context.handleMax)")
        }
        guard self.links[attach.handle] == nil else {
            throw AMQPProtocolViolation(.sessionHandleInUse, "handle \(attach.handle) is in use")
        }
        let request: AMQPLinkRequest.Kind
        switch attach.role {
        case .sender:
            // The peer sends: the broker is the receiver.
            let receiver = AMQPReceiverLinkStateMachine(
                id: linkID,
                name: attach.name,
                handle: attach.handle,
                initialDeliveryCount: attach.initialDeliveryCount ?? 0,
                maximumMessageSize: context.maximumMessageSize,
                creditWindow: context.creditWindow
            )
            self.links[attach.handle] = LinkSlot(link: .receiver(receiver), peerAttach: attach)
            self.handles[linkID] = attach.handle
            switch attach.target {
            case .coordinator(let coordinator):
                return self.coordinatorAttached(handle: attach.handle, linkID: linkID, capabilities: coordinator.capabilities + attach.desiredCapabilities)
            case .target(let target):
                request = .producer(address: target.address, capabilities: target.capabilities)
            case .none:
                request = .producer(address: nil, capabilities: [])
            }
        case .receiver:
            let sender = AMQPSenderLinkStateMachine(
                id: linkID,
                name: attach.name,
                handle: attach.handle,
                peerSettleMode: attach.senderSettleMode,
                isBrowsing: attach.source?.distributionMode == .copy
            )
            self.links[attach.handle] = LinkSlot(link: .sender(sender), peerAttach: attach)
            self.handles[linkID] = attach.handle
            guard let source = attach.source else {
                return self.refuse(handle: attach.handle, AMQPError(condition: .invalidField, description: "a receiving link needs a source"))
            }
            guard source.dynamic || source.address != nil else {
                return self.refuse(handle: attach.handle, AMQPError(condition: .invalidField, description: "the source has neither an address nor dynamic"))
            }
            let filters: AMQPReceiverFilters
            do {
                filters = try AMQPReceiverFilters(parsing: source.filter)
            } catch {
                return self.refuse(handle: attach.handle, error)
            }
            request = .consumer(
                AMQPLinkRequest.Consumer(
                    address: source.dynamic ? nil : source.address,
                    isDynamic: source.dynamic,
                    capabilities: source.capabilities,
                    isDurable: source.durable != .none,
                    distributionMode: source.distributionMode,
                    filters: filters
                )
            )
        }
        return [.resolveLink(linkID, AMQPLinkRequest(linkName: attach.name, containerID: context.peerContainerID, kind: request))]
    }

    /// A link to the transaction coordinator: only local transactions are offered.
    private mutating func coordinatorAttached(handle: UInt32, linkID: AMQPLinkID, capabilities: [String]) -> [AMQPConnectionAction] {
        let unsupported = capabilities.filter { AMQPTransactionControl.unsupportedCapabilities.contains($0) }
        guard unsupported.isEmpty else {
            return self.refuse(
                handle: handle,
                AMQPError(condition: .notImplemented, description: "only local transactions are supported, not \(unsupported.joined(separator: ", "))")
            )
        }
        guard var slot = self.links[handle], case .receiver(var link) = slot.link else { return [] }
        link.isCoordinator = true
        slot.link = .receiver(link)
        self.links[handle] = slot
        return self.linkResolved(linkID, .success(AMQPResolvedNode(address: nil)))
    }

    /// Answers an attach that cannot be honoured: an attach with no terminus, then a closing detach.
    private mutating func refuse(handle: UInt32, _ error: AMQPError) -> [AMQPConnectionAction] {
        guard var slot = self.links[handle], let attach = slot.peerAttach else { return [] }
        slot.peerAttach = nil
        slot.detachSent = true
        switch slot.link {
        case .receiver(var link): link.state = .refused; slot.link = .receiver(link)
        case .sender(var link): link.state = .refused; slot.link = .sender(link)
        }
        self.links[handle] = slot
        let reply = AMQPAttach(
            name: attach.name,
            handle: handle,
            role: attach.role == .sender ? .receiver : .sender,
            source: attach.role == .sender ? attach.source : nil,
            target: attach.role == .sender ? nil : attach.target,
            initialDeliveryCount: attach.role == .receiver ? 0 : nil
        )
        return [
            .send(self.channel, .attach(reply)),
            .send(self.channel, .detach(AMQPDetach(handle: handle, closed: true, error: error))),
        ]
    }

    mutating func linkResolved(_ linkID: AMQPLinkID, _ result: Result<AMQPResolvedNode, AMQPError>) -> [AMQPConnectionAction] {
        guard let handle = self.handle(of: linkID), var slot = self.links[handle], let attach = slot.peerAttach else { return [] }
        let node: AMQPResolvedNode
        switch result {
        case .failure(let error):
            return self.refuse(handle: handle, error)
        case .success(let resolved):
            node = resolved
        }
        slot.peerAttach = nil
        var actions: [AMQPConnectionAction] = []
        switch slot.link {
        case .receiver(var link):
            link.state = .attached(blocksWhenFull: node.blocksWhenFull)
            let reply = AMQPAttach(
                name: attach.name,
                handle: handle,
                role: .receiver,
                senderSettleMode: attach.senderSettleMode,
                receiverSettleMode: .first,
                source: attach.source,
                target: attach.target,
                maxMessageSize: UInt64(link.maximumMessageSize)
            )
            actions.append(.send(self.channel, .attach(reply)))
            actions.append(contentsOf: self.offerCredit(&link))
            slot.link = .receiver(link)
        case .sender(var link):
            link.state = .attached
            var source = attach.source
            if let address = node.address { source?.address = address }
            // Only the filters in place: a peer that needs one it does not see back can detach.
            source?.filter = node.appliedFilter
            let reply = AMQPAttach(
                name: attach.name,
                handle: handle,
                role: .sender,
                senderSettleMode: link.settleMode,
                receiverSettleMode: .first,
                source: source,
                target: attach.target,
                initialDeliveryCount: link.deliveryCount
            )
            actions.append(.send(self.channel, .attach(reply)))
            // Credit the peer granted before the broker answered.
            if link.linkCredit > 0 { actions.append(.addConsumerCredit(linkID, Int(link.linkCredit))) }
            if link.isDraining { actions.append(.drainConsumer(linkID)) }
            slot.link = .sender(link)
        }
        self.links[handle] = slot
        return actions
    }

    mutating func detachReceived(_ detach: AMQPDetach) throws -> [AMQPConnectionAction] {
        guard let slot = self.links.removeValue(forKey: detach.handle) else {
            throw AMQPProtocolViolation(.sessionUnattachedHandle, "detach of unattached handle \(detach.handle)")
        }
        let linkID = slot.link.id
        self.handles[linkID] = nil
        if slot.detachSent {
            // The peer answers the broker's detach; resources were released then.
            return []
        }
        self.forget(linkID, handle: detach.handle)
        return [
            .send(self.channel, .detach(AMQPDetach(handle: detach.handle, closed: detach.closed))),
            .releaseLink(linkID, closed: detach.closed),
        ]
    }

    /// The broker detaches a link because of an error the link's peer caused.
    private mutating func detachForError(handle: UInt32, _ error: AMQPError) -> [AMQPConnectionAction] {
        guard var slot = self.links[handle], !slot.detachSent else { return [] }
        slot.detachSent = true
        self.links[handle] = slot
        self.forget(slot.link.id, handle: handle)
        return [
            .send(self.channel, .detach(AMQPDetach(handle: handle, closed: true, error: error))),
            .releaseLink(slot.link.id, closed: true),
        ]
    }

    /// Drops the link's unsettled and pending deliveries: closing its consumer returns them.
    private mutating func forget(_ linkID: AMQPLinkID, handle: UInt32) {
        self.unsettled = self.unsettled.filter { $0.value.link != linkID }
        self.pendingTransfers.removeAll { frame in
            if case .transfer(let transfer) = frame.performative { return transfer.handle == handle }
            return false
        }
    }

    /// The session ends (peer's end, or the connection went away): every link is released.
    mutating func ended() -> [AMQPConnectionAction] {
        var actions: [AMQPConnectionAction] = []
        let hadCoordinator = self.links.values.contains { slot in
            if case .receiver(let link) = slot.link { return link.isCoordinator }
            return false
        }
        if hadCoordinator { actions.append(.rollbackTransactions(channel: self.channel)) }
        for (_, slot) in self.links.sorted(by: { $0.key < $1.key }) where !slot.detachSent {
            actions.append(.releaseLink(slot.link.id, closed: false))
        }
        self.links.removeAll()
        self.handles.removeAll()
        self.unsettled.removeAll()
        self.pendingTransfers.removeAll()
        return actions
    }

    // MARK: Flow

    mutating func flowReceived(_ flow: AMQPFlow) throws -> [AMQPConnectionAction] {
        // Session window: what the peer can still take from us (part 2.5.6).
        let peerNextIncoming = flow.nextIncomingID ?? 0
        self.remoteIncomingWindow = UInt32(
            clamping: max(0, Int64(peerNextIncoming) + Int64(flow.incomingWindow) - Int64(self.nextOutgoingTransferID))
        )
        var actions = self.flushPendingTransfers()
        guard let handle = flow.handle else {
            if flow.echo { actions.append(.send(self.channel, .flow(self.sessionFlow()))) }
            return actions
        }
        guard var slot = self.links[handle] else {
            throw AMQPProtocolViolation(.sessionUnattachedHandle, "flow on unattached handle \(handle)")
        }
        if slot.detachSent { return actions }
        switch slot.link {
        case .receiver(let link):
            if flow.echo {
                actions.append(.send(self.channel, .flow(self.linkFlow(handle: handle, deliveryCount: link.deliveryCount, linkCredit: link.linkCredit))))
            }
        case .sender(var link):
            let delta = link.flowReceived(deliveryCount: flow.deliveryCount, linkCredit: flow.linkCredit ?? 0)
            let attached: Bool
            if case .attached = link.state { attached = true } else { attached = false }
            if attached && delta != 0 { actions.append(.addConsumerCredit(link.id, delta)) }
            if flow.drain && !link.isDraining {
                link.isDraining = true
                if attached { actions.append(.drainConsumer(link.id)) }
            }
            if flow.echo {
                actions.append(.send(self.channel, .flow(self.linkFlow(handle: handle, deliveryCount: link.deliveryCount, linkCredit: link.linkCredit, drain: link.isDraining))))
            }
            slot.link = .sender(link)
            self.links[handle] = slot
        }
        return actions
    }

    func sessionFlow() -> AMQPFlow {
        AMQPFlow(
            nextIncomingID: self.nextIncomingTransferID,
            incomingWindow: Self.incomingWindow,
            nextOutgoingID: self.nextOutgoingTransferID,
            outgoingWindow: Self.outgoingWindow
        )
    }

    func linkFlow(handle: UInt32, deliveryCount: UInt32, linkCredit: UInt32, drain: Bool = false) -> AMQPFlow {
        var flow = self.sessionFlow()
        flow.handle = handle
        flow.deliveryCount = deliveryCount
        flow.linkCredit = linkCredit
        flow.drain = drain
        return flow
    }

    /// Credit for a producer link: at once, or after a capacity check when its target blocks.
    private func offerCredit(_ link: inout AMQPReceiverLinkStateMachine) -> [AMQPConnectionAction] {
        guard link.wantsCredit else { return [] }
        if link.blocksWhenFull {
            link.awaitingCapacity = true
            return [.checkTargetCapacity(link.id)]
        }
        guard let (deliveryCount, credit) = link.grantCredit() else { return [] }
        return [.send(self.channel, .flow(self.linkFlow(handle: link.handle, deliveryCount: deliveryCount, linkCredit: credit)))]
    }

    mutating func targetHasCapacity(_ linkID: AMQPLinkID) -> [AMQPConnectionAction] {
        guard let handle = self.handle(of: linkID), var slot = self.links[handle], case .receiver(var link) = slot.link,
            !slot.detachSent
        else { return [] }
        link.awaitingCapacity = false
        var actions: [AMQPConnectionAction] = []
        if let (deliveryCount, credit) = link.grantCredit() {
            actions.append(.send(self.channel, .flow(self.linkFlow(handle: handle, deliveryCount: deliveryCount, linkCredit: credit))))
        }
        slot.link = .receiver(link)
        self.links[handle] = slot
        return actions
    }

    // MARK: Incoming transfers

    mutating func transferReceived(_ transfer: AMQPTransfer, payload: ByteBuffer) throws -> [AMQPConnectionAction] {
        self.nextIncomingTransferID &+= 1
        guard var slot = self.links[transfer.handle] else {
            throw AMQPProtocolViolation(.sessionUnattachedHandle, "transfer on unattached handle \(transfer.handle)")
        }
        guard case .receiver(var link) = slot.link else {
            throw AMQPProtocolViolation(.notAllowed, "transfer on handle \(transfer.handle), where the peer is the receiver")
        }
        guard case .attached = link.state, !slot.detachSent else {
            // Transfers already in flight when the broker refused or detached the link.
            return []
        }
        let outcome = link.transferReceived(transfer, payload: payload)
        slot.link = .receiver(link)
        self.links[transfer.handle] = slot
        switch outcome {
        case .none:
            return []
        case .publish(let deliveryID, let settled, let message, let transactionID):
            guard link.isCoordinator else {
                return [.publish(link.id, deliveryID: deliveryID, settled: settled, message: message, transactionID: transactionID)]
            }
            return self.coordinatorMessageReceived(link.id, deliveryID: deliveryID, settled: settled, message: message)
        case .tooLarge(let size):
            return self.detachForError(
                handle: transfer.handle,
                AMQPError(condition: .linkMessageSizeExceeded, description: "message of \(size) bytes exceeds max-message-size \(link.maximumMessageSize)")
            )
        case .missingDeliveryID:
            throw AMQPProtocolViolation(.invalidField, "the first transfer of a delivery has no delivery-id")
        }
    }

    /// A declare or a discharge for the coordinator (part 4.3).
    private mutating func coordinatorMessageReceived(_ linkID: AMQPLinkID, deliveryID: UInt32, settled: Bool, message: ByteBuffer) -> [AMQPConnectionAction] {
        let control: AMQPTransactionControl
        do {
            control = try AMQPTransactionControl(message: message)
        } catch {
            return self.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, .failure(error))
        }
        switch control {
        case .declare(isDistributed: true):
            let error = AMQPError(condition: .notImplemented, description: "distributed transactions (a declare with a global-id) are not supported")
            return self.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, .failure(error))
        case .declare(isDistributed: false):
            return [.declareTransaction(linkID, channel: self.channel, deliveryID: deliveryID, settled: settled)]
        case .discharge(let transactionID, let fail):
            return [.dischargeTransaction(linkID, deliveryID: deliveryID, settled: settled, transactionID: transactionID, fail: fail)]
        }
    }

    /// A publish (or a coordinator request) completed. `acceptedState` is what success is reported
    /// as: `accepted`, `declared` for a declare, transactional-state for a staged message.
    mutating func publishCompleted(
        _ linkID: AMQPLinkID,
        deliveryID: UInt32,
        settled: Bool,
        _ result: Result<Void, AMQPError>,
        acceptedState: AMQPDeliveryState = .accepted
    ) -> [AMQPConnectionAction] {
        var actions: [AMQPConnectionAction] = []
        self.publishCompleted(linkID, deliveryID: deliveryID, settled: settled, result, acceptedState: acceptedState, into: &actions)
        return actions
    }

    /// `publishCompleted`, appending to `actions`: a burst of completions shares one array.
    mutating func publishCompleted(
        _ linkID: AMQPLinkID,
        deliveryID: UInt32,
        settled: Bool,
        _ result: Result<Void, AMQPError>,
        acceptedState: AMQPDeliveryState = .accepted,
        into actions: inout [AMQPConnectionAction]
    ) {
        guard let handle = self.handle(of: linkID), var slot = self.links[handle], case .receiver(var link) = slot.link else { return }
        link.publishCompleted()
        if !settled {
            let state: AMQPDeliveryState
            switch result {
            case .success: state = acceptedState
            case .failure(let error): state = .rejected(AMQPRejected(error: error))
            }
            actions.append(.sendDisposition(channel: self.channel, role: .receiver, deliveryID: deliveryID, settled: true, state: state))
        }
        if !slot.detachSent {
            actions.append(contentsOf: self.offerCredit(&link))
        }
        slot.link = .receiver(link)
        self.links[handle] = slot
    }

    // MARK: Outgoing deliveries

    mutating func deliveriesArrived(_ linkID: AMQPLinkID, _ deliveries: [Delivery], context: Context) -> [AMQPConnectionAction] {
        guard let handle = self.handle(of: linkID), var slot = self.links[handle], case .sender(var link) = slot.link,
            !slot.detachSent
        else {
            // The link is gone; closing its consumer already returned these to the queue.
            return []
        }
        var actions: [AMQPConnectionAction] = []
        var surplus: [EntryKey] = []
        for delivery in deliveries {
            guard link.takeCredit() else {
                surplus.append(delivery.key)
                continue
            }
            let deliveryID = self.nextDeliveryID
            self.nextDeliveryID &+= 1
            var tag = ByteBuffer()
            tag.writeInteger(link.makeDeliveryTag())
            if !link.sendsSettled {
                self.unsettled[deliveryID] = UnsettledDelivery(handle: handle, link: linkID, key: delivery.key, isBrowsed: link.isBrowsing)
            } else if !link.isBrowsing {
                actions.append(.settle(linkID, delivery.key, .acknowledge))
            }
            let message = AMQPMessageMapping.outgoingMessage(for: delivery)
            self.enqueueTransferFrames(
                handle: handle,
                deliveryID: deliveryID,
                tag: tag,
                settled: link.sendsSettled,
                message: message,
                peerMaximumFrameSize: context.peerMaximumFrameSize
            )
        }
        slot.link = .sender(link)
        self.links[handle] = slot
        actions.append(contentsOf: self.flushPendingTransfers())
        if !surplus.isEmpty { actions.append(.returnDeliveries(linkID, surplus)) }
        return actions
    }

    /// Splits a message into transfer frames that fit the peer's max-frame-size.
    private mutating func enqueueTransferFrames(
        handle: UInt32,
        deliveryID: UInt32,
        tag: ByteBuffer,
        settled: Bool,
        message: ByteBuffer,
        peerMaximumFrameSize: UInt32
    ) {
        let frameLimit = Int(min(peerMaximumFrameSize, UInt32(Int32.max)))
        let chunkSize = max(1, frameLimit - Self.transferOverhead - tag.readableBytes)
        var remaining = message
        var first = true
        repeat {
            let length = min(chunkSize, remaining.readableBytes)
            let chunk = remaining.readSlice(length: length) ?? ByteBuffer()
            let more = remaining.readableBytes > 0
            let transfer = AMQPTransfer(
                handle: handle,
                deliveryID: first ? deliveryID : nil,
                deliveryTag: first ? tag : nil,
                messageFormat: first ? 0 : nil,
                settled: first ? settled : nil,
                more: more
            )
            self.pendingTransfers.append(AMQPFrame(channel: self.channel, performative: .transfer(transfer), payload: chunk))
            first = false
        } while remaining.readableBytes > 0
    }

    private mutating func flushPendingTransfers() -> [AMQPConnectionAction] {
        let count = min(Int(self.remoteIncomingWindow), self.pendingTransfers.count)
        guard count > 0 else { return [] }
        let actions = self.pendingTransfers[0..<count].map { AMQPConnectionAction.sendFrame($0) }
        self.pendingTransfers.removeFirst(count)
        self.remoteIncomingWindow -= UInt32(count)
        self.nextOutgoingTransferID &+= UInt32(count)
        return actions
    }

    mutating func drainCompleted(_ linkID: AMQPLinkID) -> [AMQPConnectionAction] {
        guard let handle = self.handle(of: linkID), var slot = self.links[handle], case .sender(var link) = slot.link,
            !slot.detachSent
        else { return [] }
        link.drainCompleted()
        slot.link = .sender(link)
        self.links[handle] = slot
        return [.send(self.channel, .flow(self.linkFlow(handle: handle, deliveryCount: link.deliveryCount, linkCredit: 0, drain: true)))]
    }

    // MARK: Dispositions

    mutating func dispositionReceived(_ disposition: AMQPDisposition) -> [AMQPConnectionAction] {
        // Dispositions of the peer's own deliveries (role sender) need nothing: the broker settles
        // those first.
        guard disposition.role == .receiver else { return [] }
        let first = disposition.first
        let last = disposition.last ?? first
        let span = last &- first
        let ids: [UInt32]
        if Int(span) < self.unsettled.count {
            ids = (0...span).map { first &+ $0 }.filter { self.unsettled[$0] != nil }
        } else {
            ids = self.unsettled.keys.filter { $0 &- first <= span }.sorted { ($0 &- first) < ($1 &- first) }
        }
        // Inside a transaction the outcome is wrapped in a transactional-state (part 4.4.2).
        var outcome = disposition.state
        var transactionID: ByteBuffer?
        if case .transactional(let transactional) = disposition.state {
            outcome = transactional.outcome
            transactionID = transactional.transactionID
        }
        var actions: [AMQPConnectionAction] = []
        for id in ids {
            guard let delivery = self.unsettled[id] else { continue }
            let settlement: AMQPSettlement?
            switch outcome {
            case .accepted: settlement = .acknowledge
            case .released: settlement = .releaseUncounted
            case .modified(let modified): settlement = modified.deliveryFailed ? .releaseCounted : .releaseUncounted
            case .rejected: settlement = .reject
            case .none, .received, .declared, .transactional:
                // No outcome: a settled delivery without one counts as accepted (as Artemis does).
                settlement = disposition.settled ? .acknowledge : nil
            }
            guard let settlement else { continue }
            self.unsettled[id] = nil
            if !delivery.isBrowsed {
                if let transactionID {
                    actions.append(.settleInTransaction(delivery.link, delivery.key, settlement, transactionID: transactionID))
                } else {
                    actions.append(.settle(delivery.link, delivery.key, settlement))
                }
            }
            if !disposition.settled {
                actions.append(
                    .sendDisposition(channel: self.channel, role: .sender, deliveryID: id, settled: true, state: disposition.state)
                )
            }
        }
        return actions
    }

    // MARK: Helpers

    func handle(of linkID: AMQPLinkID) -> UInt32? {
        self.handles[linkID]
    }
}
