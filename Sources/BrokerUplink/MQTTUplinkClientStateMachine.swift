import BrokerStore
import MQTTCodec
import NIOCore

/// The MQTT 3.1.1 client side of an uplink connection: CONNECT/CONNACK, QoS 1 publishes
/// with packet identifiers, PUBACK as the peer's acceptance, keep-alive pings. A plain
/// struct: events in, actions out; the channel handler does the I/O.
struct MQTTUplinkClientStateMachine {
    enum State {
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
        case close(String)
        case none
    }

    private(set) var state = State.awaitingChannel
    let clientID: String
    let username: String?
    let password: String?
    let keepAliveSeconds: UInt16
    private var nextPacketIdentifier: UInt16 = 1
    /// Publishes waiting for PUBACK, by packet identifier.
    private(set) var inFlight: [UInt16: EntryKey] = [:]
    /// ms since 1970 of the last packet received, for keep-alive.
    private var lastReceived: Int64 = 0
    private var pingOutstanding = false

    init(clientID: String, username: String?, password: String?, keepAliveSeconds: UInt16) {
        self.clientID = clientID
        self.username = username
        self.password = password
        self.keepAliveSeconds = keepAliveSeconds
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
        case (.awaitingChannel, _), (.awaitingConnAck, _), (.connected, _), (.closed, _):
            self.state = .closed
            return .close("unexpected \(packet.packetType) from the MQTT peer")
        }
    }

    /// Publishes one message at QoS 1; nil when the window of packet identifiers is exhausted.
    mutating func publishRequested(_ key: EntryKey, topic: String, payload: ByteBuffer) -> Action {
        guard case .connected = self.state else { return .outcome(key, .notTaken) }
        guard self.inFlight.count < Int(UInt16.max) - 1 else { return .outcome(key, .notTaken) }
        var identifier = self.nextPacketIdentifier
        while self.inFlight[identifier] != nil {
            identifier = identifier == UInt16.max ? 1 : identifier + 1
        }
        self.nextPacketIdentifier = identifier == UInt16.max ? 1 : identifier + 1
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
