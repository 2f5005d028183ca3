import BrokerCore
import BrokerStore
import MQTTCodec
import NIOCore

/// The MQTT 3.1.1 client side of an uplink connection: CONNECT/CONNACK, QoS 1 publishes
/// with packet identifiers, PUBACK as the peer's acceptance, keep-alive pings, and for
/// receive rules a QoS 1 SUBSCRIBE whose arrivals are PUBACKed only once stored locally.
/// A plain struct: events in, actions out; the channel handler does the I/O.
struct MQTTUplinkClientStateMachine {
    enum State: Equatable {
        case awaitingChannel
        case awaitingConnAck
        case connected
        case closed
    }

    enum Action: Equatable {
        case write(MQTTPacket)
        case connected
        case connectFailed(String)
        case outcome(EntryKey, RemoteOutcome)
        /// A message arrived on a receive rule: store it at `localAddress`, then acknowledge.
        case deliverInbound(MQTTPublishPacket, localAddress: String)
        case reportProblem(String)
        case close(String)
        case none
    }

    private(set) var state = State.awaitingChannel
    let clientID: String
    let username: String?
    let password: String?
    let keepAliveSeconds: UInt16
    /// Cloud-to-edge rules: remote topic filter → local address, in configuration order.
    let receiveRules: [(filter: String, localAddress: String)]
    private var nextPacketIdentifier: UInt16 = 1
    /// The SUBSCRIBE of the receive rules, until its SUBACK.
    private var subscribePacketIdentifier: UInt16?
    /// QoS 1 arrivals handed to the uplink and not yet acknowledged, by packet identifier.
    private(set) var inboundPending: Set<UInt16> = []
    /// Publishes waiting for PUBACK, by packet identifier.
    private(set) var inFlight: [UInt16: EntryKey] = [:]
    /// ms since 1970 of the last packet received, for keep-alive.
    private var lastReceived: Int64 = 0
    private var pingOutstanding = false

    init(
        clientID: String,
        username: String?,
        password: String?,
        keepAliveSeconds: UInt16,
        receiveRules: [(filter: String, localAddress: String)] = []
    ) {
        self.clientID = clientID
        self.username = username
        self.password = password
        self.keepAliveSeconds = keepAliveSeconds
        self.receiveRules = receiveRules
    }

    mutating func channelActive(now: Int64) -> Action {
        guard case .awaitingChannel = self.state else { return .none }
        self.state = .awaitingConnAck
        self.lastReceived = now
        let connect = MQTTConnectPacket(
            protocolVersion: .v3_1_1,
            clientIdentifier: self.clientID,
            // A persistent session, so QoS 1 state survives a reconnect on the peer side too.
            cleanStart: false,
            keepAliveSeconds: self.keepAliveSeconds,
            username: self.username,
            password: self.password.map { ByteBuffer(string: $0) }
        )
        return .write(.connect(connect))
    }

    mutating func packetReceived(_ packet: MQTTPacket, now: Int64) -> Action {
        self.lastReceived = now
        switch (self.state, packet) {
        case (.awaitingConnAck, .connAck(let connAck)):
            guard connAck.reasonCode == .success else {
                self.state = .closed
                return .connectFailed("the MQTT peer refused the connection (CONNACK \(connAck.reasonCode))")
            }
            self.state = .connected
            return .connected
        case (.connected, .pubAck(let acknowledgement)):
            guard let key = self.inFlight.removeValue(forKey: acknowledgement.packetIdentifier) else { return .none }
            // MQTT 3.1.1 has no negative acknowledgement: a PUBACK means stored.
            return .outcome(key, .accepted)
        case (.connected, .pingResp):
            self.pingOutstanding = false
            return .none
        case (.connected, .subAck(let subAck)):
            guard subAck.packetIdentifier == self.subscribePacketIdentifier else { return .none }
            self.subscribePacketIdentifier = nil
            let refused = zip(self.receiveRules, subAck.reasonCodes).filter { $0.1.rawValue >= 0x80 }.map(\.0.filter)
            guard refused.isEmpty else {
                return .reportProblem("the MQTT peer refused the subscription to \(refused.joined(separator: ", "))")
            }
            return .none
        case (.connected, .publish(let publish)):
            return self.publishReceived(publish)
        case (.awaitingChannel, _), (.awaitingConnAck, _), (.connected, _), (.closed, _):
            self.state = .closed
            return .close("unexpected \(packet.packetType) from the MQTT peer")
        }
    }

    /// The SUBSCRIBE for the receive rules, sent once connected; nil when there are none.
    /// The session is persistent, so the peer keeps what arrives for us while we are away.
    mutating func subscribeReceiveRules() -> Action {
        guard case .connected = self.state, !self.receiveRules.isEmpty else { return .none }
        let identifier = self.takePacketIdentifier()
        self.subscribePacketIdentifier = identifier
        let subscriptions = self.receiveRules.map { MQTTSubscription(topicFilter: $0.filter, options: MQTTSubscriptionOptions(qos: .atLeastOnce)) }
        return .write(.subscribe(MQTTSubscribePacket(packetIdentifier: identifier, subscriptions: subscriptions)))
    }

    /// The uplink stored an arrival: PUBACK it so the peer forgets it.
    mutating func inboundStored(packetIdentifier: UInt16) -> Action {
        guard case .connected = self.state, self.inboundPending.remove(packetIdentifier) != nil else { return .none }
        return .write(.pubAck(MQTTPubAckPacket(packetIdentifier: packetIdentifier)))
    }

    private mutating func publishReceived(_ publish: MQTTPublishPacket) -> Action {
        guard let rule = self.receiveRules.first(where: { TopicFilter($0.filter).matches(publish.topicName) }) else {
            // Not ours (the peer's session may still hold an old rule's subscription): take it
            // off the peer's hands so it does not come back, but do not store it.
            if let identifier = publish.packetIdentifier, publish.qos == .atLeastOnce {
                return .write(.pubAck(MQTTPubAckPacket(packetIdentifier: identifier)))
            }
            return .none
        }
        switch publish.qos {
        case .atMostOnce:
            return .deliverInbound(publish, localAddress: rule.localAddress)
        case .atLeastOnce:
            guard let identifier = publish.packetIdentifier else {
                self.state = .closed
                return .close("the MQTT peer sent a QoS 1 PUBLISH without a packet identifier")
            }
            // A redelivery (DUP) of something still being stored is stored once.
            guard self.inboundPending.insert(identifier).inserted else { return .none }
            return .deliverInbound(publish, localAddress: rule.localAddress)
        case .exactlyOnce:
            self.state = .closed
            return .close("the MQTT peer sent QoS 2 on a QoS 1 subscription")
        }
    }

    private mutating func takePacketIdentifier() -> UInt16 {
        var identifier = self.nextPacketIdentifier
        while self.inFlight[identifier] != nil || identifier == self.subscribePacketIdentifier {
            identifier = identifier == UInt16.max ? 1 : identifier + 1
        }
        self.nextPacketIdentifier = identifier == UInt16.max ? 1 : identifier + 1
        return identifier
    }

    /// Publishes one message at QoS 1; nil when the window of packet identifiers is exhausted.
    mutating func publishRequested(_ key: EntryKey, topic: String, payload: ByteBuffer) -> Action {
        guard case .connected = self.state else { return .outcome(key, .notTaken) }
        guard self.inFlight.count < Int(UInt16.max) - 2 else { return .outcome(key, .notTaken) }
        let identifier = self.takePacketIdentifier()
        self.inFlight[identifier] = key
        return .write(.publish(MQTTPublishPacket(topicName: topic, payload: payload, qos: .atLeastOnce, packetIdentifier: identifier)))
    }

    /// Called every half keep-alive: ping when quiet, close when the peer went silent.
    mutating func keepAliveTick(now: Int64) -> Action {
        guard case .connected = self.state else { return .none }
        let silence = now - self.lastReceived
        if self.pingOutstanding && silence > Int64(self.keepAliveSeconds) * 1500 {
            self.state = .closed
            return .close("the MQTT peer sent nothing for \(silence) ms (keep-alive \(self.keepAliveSeconds) s)")
        }
        if !self.pingOutstanding && silence >= Int64(self.keepAliveSeconds) * 500 {
            self.pingOutstanding = true
            return .write(.pingReq)
        }
        return .none
    }

    mutating func channelInactive() -> Action {
        switch self.state {
        case .awaitingChannel, .awaitingConnAck:
            self.state = .closed
            return .connectFailed("the MQTT peer closed the connection before CONNACK")
        case .connected:
            self.state = .closed
            return .close("connection to the MQTT peer lost")
        case .closed:
            return .none
        }
    }
}
