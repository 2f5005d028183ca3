import BrokerCore
import BrokerStore
import MQTTCodec
import MessageMapping
import NIOCore

/// The MQTT server side of one connection (3.1.1 and 5.0): a plain struct fed one event at a time,
/// returning the actions its channel handler performs. It never touches a channel, a clock or the broker.
struct MQTTSessionStateMachine {
    struct Configuration: Sendable {
        var allowAnonymous: Bool
        /// The largest packet the server accepts (announced in CONNACK).
        var maximumPacketSize: Int
        /// How many QoS 1/2 PUBLISHes the client may have unacknowledged (announced; more is 0x93).
        var receiveMaximum: UInt16
        /// Topic aliases the client may use (announced; 0 disables them).
        var topicAliasMaximum: UInt16
        /// Cap of the per-client outgoing window (the client's receive maximum, at most this).
        var maximumOutgoingInFlight: Int
        /// The outgoing window for MQTT 3.1.1 clients, which cannot announce one.
        var version3InFlight: Int
        /// MQTT 5: a keep alive above this (or 0) is replaced by it (Server Keep Alive). nil: none.
        var serverKeepAlive: UInt16?
    }

    enum Phase {
        case awaitingConnect
        case authenticating
        case attaching
        case connected
        case closing
        case closed
    }

    private(set) var phase: Phase = .awaitingConnect
    let configuration: Configuration
    var session = Session()
    /// Per SUBSCRIBE being processed: how many filters it had and which were invalid.
    var pendingSubscribeInvalid: [UInt16: (Int, Set<Int>)] = [:]

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The state of an accepted connection.
    struct Session {
        var version: MQTTProtocolVersion = .v3_1_1
        var clientID = ""
        var assignedClientID: String?
        var cleanStart = true
        var persistentExpiry: UInt32?
        var keepAlive: UInt16 = 0
        var serverKeepAliveOverride: UInt16?
        var requestProblemInformation = true
        var will: MQTTWill?
        var takenOver = false
        /// Client's receive maximum capped by the configuration.
        var outgoingWindow = 64
        var clientMaximumPacketSize: Int?
        var clientTopicAliasMaximum: UInt16 = 0

        var incomingAliases: [UInt16: String] = [:]
        var outgoingAliases: [String: UInt16] = [:]
        /// QoS 1 packet ids waiting for the broker's commit.
        var incomingQoS1: Set<UInt16> = []
        var incomingQoS2: [UInt16: IncomingQoS2] = [:]

        var outgoing: [UInt16: OutgoingInFlight] = [:]
        var pending: [OutgoingMessage] = []
        var nextPacketID: UInt16 = 1
        /// Packet ids of PUBLISHes the client had not acknowledged in its last connection, by the
        /// message they carried: its redelivery reuses the id, and new messages do not take it.
        var resendPacketIDs: [ResendKey: UInt16] = [:]
        var reservedPacketIDs: Set<UInt16> = []

        var subscriptions: [String: MQTTActiveSubscription] = [:]
        var filterBySubscriptionID: [Int: String] = [:]
        var nextSubscriptionID = 1

        var isPersistent: Bool { self.persistentExpiry != nil }
        var isV5: Bool { self.version == .v5 }
        var incomingInFlight: Int { self.incomingQoS1.count + self.incomingQoS2.count }
    }

    enum IncomingQoS2: Equatable {
        /// Handed to the broker, not yet committed.
        case storing
        /// Committed and PUBREC sent; waiting for PUBREL.
        case received
    }

    /// A message in a subscription queue, whatever its priority (which is not part of the record).
    struct ResendKey: Hashable {
        var queue: QueueID
        var message: MessageID
    }

    struct OutgoingInFlight {
        enum Stage { case awaitingPubAck, awaitingPubRec, awaitingPubComp }
        var subscriptionID: Int?
        var key: EntryKey?
        var stage: Stage
    }

    /// A message on its way to the client.
    struct OutgoingMessage {
        var subscriptionID: Int?
        var key: EntryKey?
        var topic: String
        var body: MQTTStoredBody
        var qos: MQTTQoS
        var retain: Bool
        var duplicate: Bool
        var expiration: Int64?
        var subscriptionIdentifier: Int?
    }

    // MARK: CONNECT

    /// The first packet. `generatedClientID` is used when the client sent an empty one.
    mutating func connectReceived(_ connect: MQTTConnectPacket, generatedClientID: String) -> [MQTTSessionAction] {
        switch self.phase {
        case .awaitingConnect:
            break
        case .authenticating, .attaching, .connected:
            return self.protocolViolation(.protocolError, "second CONNECT")
        case .closing, .closed:
            return []
        }
        var session = Session()
        session.version = connect.protocolVersion
        session.cleanStart = connect.cleanStart
        session.will = connect.will
        session.keepAlive = connect.keepAliveSeconds
        let properties = connect.properties
        switch connect.protocolVersion {
        case .v3_1_1:
            session.persistentExpiry = connect.cleanStart ? nil : MQTTPersistedSession.neverExpires
            session.outgoingWindow = self.configuration.version3InFlight
        case .v5:
            let expiry = properties.sessionExpiryInterval ?? 0
            session.persistentExpiry = expiry == 0 ? nil : expiry
            session.outgoingWindow = min(Int(properties.receiveMaximum ?? UInt16.max), self.configuration.maximumOutgoingInFlight)
            session.clientMaximumPacketSize = properties.maximumPacketSize.map { Int($0) }
            session.clientTopicAliasMaximum = properties.topicAliasMaximum ?? 0
            session.requestProblemInformation = properties.requestProblemInformation ?? true
            if let maximum = self.configuration.serverKeepAlive, connect.keepAliveSeconds == 0 || connect.keepAliveSeconds > maximum {
                session.keepAlive = maximum
                session.serverKeepAliveOverride = maximum
            }
        }
        self.session = session

        if connect.protocolVersion == .v5, properties.authenticationMethod != nil {
            return self.refuseConnect(.badAuthenticationMethod, "extended authentication is not supported")
        }
        if connect.clientIdentifier.isEmpty {
            guard connect.cleanStart || connect.protocolVersion == .v5 else {
                return self.refuseConnect(.clientIdentifierNotValid, "empty client id with clean session 0")
            }
            self.session.clientID = generatedClientID
            self.session.assignedClientID = connect.protocolVersion == .v5 ? generatedClientID : nil
        } else {
            self.session.clientID = connect.clientIdentifier
        }
        if let username = connect.username {
            self.phase = .authenticating
            return [.authenticate(username: username, password: connect.password)]
        }
        if connect.password != nil {
            return self.refuseConnect(.badUserNameOrPassword, "password without user name")
        }
        guard self.configuration.allowAnonymous else {
            return self.refuseConnect(.notAuthorized, "anonymous clients are not allowed")
        }
        return self.attach()
    }

    mutating func authenticationCompleted(accepted: Bool) -> [MQTTSessionAction] {
        switch self.phase {
        case .authenticating:
            guard accepted else { return self.refuseConnect(.badUserNameOrPassword, "bad user name or password") }
            return self.attach()
        case .awaitingConnect, .attaching, .connected, .closing, .closed:
            return []
        }
    }

    private mutating func attach() -> [MQTTSessionAction] {
        self.phase = .attaching
        return [.attachSession(MQTTSessionRequest(clientID: self.session.clientID, cleanStart: self.session.cleanStart, persistentExpiry: self.session.persistentExpiry))]
    }

    /// The registry has claimed the client id and restored (or discarded) the stored session.
    mutating func sessionAttached(
        sessionPresent: Bool,
        subscriptions: [MQTTPersistedSession.Subscription],
        incomingPacketIDs: Set<UInt16>,
        outgoingPacketIDs: Set<UInt16>,
        unacknowledged: [MQTTPersistedSession.UnacknowledgedDelivery] = []
    ) -> [MQTTSessionAction] {
        switch self.phase {
        case .attaching:
            break
        case .awaitingConnect, .authenticating, .connected, .closing, .closed:
            return []
        }
        self.phase = .connected
        var properties = MQTTProperties.none
        if self.session.isV5 {
            if let assigned = self.session.assignedClientID { properties.assignedClientIdentifier = assigned }
            if let keepAlive = self.session.serverKeepAliveOverride { properties.serverKeepAlive = keepAlive }
            properties.receiveMaximum = self.configuration.receiveMaximum
            properties.topicAliasMaximum = self.configuration.topicAliasMaximum
            properties.maximumPacketSize = UInt32(clamping: self.configuration.maximumPacketSize)
        }
        var actions: [MQTTSessionAction] = [
            .send(.connAck(MQTTConnAckPacket(sessionPresent: sessionPresent, reasonCode: .success, properties: properties))),
            .startKeepAlive(seconds: self.session.keepAlive),
        ]
        var restored: [MQTTActiveSubscription] = []
        for stored in subscriptions {
            let subscription = self.makeSubscription(filter: stored.filter, options: stored.options, subscriptionIdentifier: stored.subscriptionIdentifier, queueName: stored.queueName)
            if let subscription {
                self.session.subscriptions[subscription.filter] = subscription
                self.session.filterBySubscriptionID[subscription.id] = subscription.filter
                restored.append(subscription)
            }
        }
        for packetID in incomingPacketIDs {
            self.session.incomingQoS2[packetID] = .received
        }
        for packetID in outgoingPacketIDs.sorted() {
            self.session.outgoing[packetID] = OutgoingInFlight(subscriptionID: nil, key: nil, stage: .awaitingPubComp)
            actions.append(.send(.pubRel(MQTTPubRelPacket(packetIdentifier: packetID))))
        }
        for delivery in unacknowledged where self.session.outgoing[delivery.packetID] == nil {
            self.session.resendPacketIDs[ResendKey(queue: delivery.queue, message: delivery.message)] = delivery.packetID
            self.session.reservedPacketIDs.insert(delivery.packetID)
        }
        if !restored.isEmpty {
            actions.append(.resumeSubscriptions(restored, credit: self.session.outgoingWindow))
        }
        return actions
    }

    // MARK: Other packets

    /// Every packet after CONNECT.
    mutating func packetReceived(_ packet: MQTTPacket, now: Int64) -> [MQTTSessionAction] {
        switch self.phase {
        case .connected:
            break
        case .awaitingConnect:
            return self.protocolViolation(.protocolError, "\(packet.packetType) before CONNECT")
        case .authenticating, .attaching:
            // The handler holds packets back until the session is attached; reaching here is a bug.
            return self.protocolViolation(.protocolError, "\(packet.packetType) before CONNACK")
        case .closing, .closed:
            return []
        }
        switch packet {
        case .connect:
            return self.protocolViolation(.protocolError, "second CONNECT")
        case .publish(let publish):
            return self.publishReceived(publish, now: now)
        case .pubAck(let ack):
            return self.pubAckReceived(ack.packetIdentifier, now: now)
        case .pubRec(let rec):
            return self.pubRecReceived(rec, now: now)
        case .pubRel(let rel):
            return self.pubRelReceived(rel.packetIdentifier)
        case .pubComp(let comp):
            return self.pubCompReceived(comp.packetIdentifier, now: now)
        case .subscribe(let subscribe):
            return self.subscribeReceived(subscribe)
        case .unsubscribe(let unsubscribe):
            return self.unsubscribeReceived(unsubscribe)
        case .pingReq:
            return [.send(.pingResp)]
        case .disconnect(let disconnect):
            return self.disconnectReceived(disconnect)
        case .connAck, .subAck, .unsubAck, .pingResp:
            return self.protocolViolation(.protocolError, "\(packet.packetType) is a server packet")
        case .auth:
            return self.protocolViolation(.protocolError, "AUTH without extended authentication")
        }
    }

    mutating func disconnectReceived(_ packet: MQTTDisconnectPacket) -> [MQTTSessionAction] {
        if self.session.isV5, let expiry = packet.properties.sessionExpiryInterval {
            if self.session.persistentExpiry == nil && expiry != 0 {
                return self.protocolViolation(.protocolError, "session expiry set on DISCONNECT after 0 on CONNECT")
            }
            self.session.persistentExpiry = expiry == 0 ? nil : expiry
        }
        if packet.reasonCode != .disconnectWithWillMessage {
            self.session.will = nil
        }
        self.phase = .closing
        return [.close(nil, reason: "client disconnected")]
    }

    /// Nothing arrived for 1.5 × the keep alive.
    mutating func keepAliveExpired() -> [MQTTSessionAction] {
        switch self.phase {
        case .connected:
            return self.protocolViolation(.keepAliveTimeout, "keep alive timeout")
        case .awaitingConnect, .authenticating, .attaching:
            self.phase = .closing
            return [.close(nil, reason: "no CONNECT in time")]
        case .closing, .closed:
            return []
        }
    }

    /// Another connection claimed this client id.
    mutating func takenOver() -> [MQTTSessionAction] {
        self.session.takenOver = true
        switch self.phase {
        case .connected, .attaching, .authenticating:
            self.phase = .closing
            let packet: MQTTPacket? = self.session.isV5 ? .disconnect(MQTTDisconnectPacket(reasonCode: .sessionTakenOver)) : nil
            return [.close(packet, reason: "session taken over")]
        case .awaitingConnect, .closing, .closed:
            return []
        }
    }

    /// The decoder rejected the input.
    mutating func decodingFailed(_ error: MQTTDecodingError) -> [MQTTSessionAction] {
        switch self.phase {
        case .awaitingConnect:
            self.phase = .closing
            if error.code == .unsupportedProtocolVersion || error.code == .invalidProtocolName {
                // Answer in the 3.1.1 format, which every client version can read (0x01).
                return [.close(.connAck(MQTTConnAckPacket(reasonCode: .unsupportedProtocolVersion)), reason: "\(error)")]
            }
            return [.close(nil, reason: "\(error)")]
        case .authenticating, .attaching, .connected:
            return self.protocolViolation(error.reasonCode, "\(error)")
        case .closing, .closed:
            return []
        }
    }

    /// The channel closed (for whatever reason): release the session.
    mutating func channelInactive() -> [MQTTSessionAction] {
        let wasSessionOwner: Bool
        switch self.phase {
        case .closed:
            return []
        case .awaitingConnect, .authenticating:
            wasSessionOwner = false
        case .attaching, .connected, .closing:
            wasSessionOwner = true
        }
        self.phase = .closed
        guard wasSessionOwner else { return [] }
        let session = self.session
        var willDelay = session.will?.properties.willDelayInterval ?? 0
        if let expiry = session.persistentExpiry { willDelay = min(willDelay, expiry) } else { willDelay = 0 }
        var will = session.will
        if session.takenOver && willDelay > 0 { will = nil }
        return [
            .endSession(
                MQTTSessionEnd(
                    clientID: session.clientID,
                    persistentExpiry: session.persistentExpiry,
                    subscriptions: Array(session.subscriptions.values),
                    will: will,
                    willDelay: willDelay,
                    takenOver: session.takenOver,
                    unacknowledged: session.isPersistent ? self.unacknowledgedDeliveries : []
                )
            )
        ]
    }

    /// QoS 1/2 PUBLISHes sent and not yet acknowledged (PUBACK, PUBREC) by the client.
    private var unacknowledgedDeliveries: [MQTTPersistedSession.UnacknowledgedDelivery] {
        self.session.outgoing.compactMap { packetID, inFlight in
            guard let key = inFlight.key, inFlight.stage != .awaitingPubComp else { return nil }
            return MQTTPersistedSession.UnacknowledgedDelivery(queue: key.queue, message: key.message, packetID: packetID)
        }.sorted { $0.packetID < $1.packetID }
    }

    // MARK: Failures

    /// Refuses a CONNECT with `reasonCode` (the codec writes the 3.1.1 return code for 3.1.1).
    mutating func refuseConnect(_ reasonCode: MQTTReasonCode, _ reason: String) -> [MQTTSessionAction] {
        self.phase = .closing
        self.session.will = nil
        var properties = MQTTProperties.none
        if self.session.isV5 && self.session.requestProblemInformation { properties.reasonString = reason }
        return [.close(.connAck(MQTTConnAckPacket(sessionPresent: false, reasonCode: reasonCode, properties: properties)), reason: reason)]
    }

    /// Closes after a client error: MQTT 5 gets a DISCONNECT with the reason (CONNACK before the
    /// session exists), MQTT 3.1.1 a plain close. The will is published.
    mutating func protocolViolation(_ reasonCode: MQTTReasonCode, _ reason: String) -> [MQTTSessionAction] {
        let phase = self.phase
        self.phase = .closing
        guard self.session.isV5 else { return [.close(nil, reason: reason)] }
        var properties = MQTTProperties.none
        properties.reasonString = reason
        switch phase {
        case .connected:
            return [.close(.disconnect(MQTTDisconnectPacket(reasonCode: reasonCode, properties: properties)), reason: reason)]
        case .authenticating, .attaching:
            return [.close(.connAck(MQTTConnAckPacket(reasonCode: reasonCode, properties: properties)), reason: reason)]
        case .awaitingConnect, .closing, .closed:
            return [.close(nil, reason: reason)]
        }
    }

    /// Protocol state for tests and the handler.
    var isAwaitingSession: Bool {
        switch self.phase {
        case .authenticating, .attaching: return true
        case .awaitingConnect, .connected, .closing, .closed: return false
        }
    }

    var version: MQTTProtocolVersion { self.session.version }
    var clientID: String { self.session.clientID }
}
