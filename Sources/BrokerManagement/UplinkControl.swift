/// What the management API needs from the uplinks (store-and-forward to cloud peers).
///
/// The uplink module implements this and the daemon passes it in; until it exists the
/// daemon passes `NoUplinks`, and the API and CLI report "no uplinks configured".
public protocol UplinkControl: Sendable {
    /// Every configured uplink, in configuration order.
    func status() async -> [UplinkStatus]
    /// Retries the connection now (skipping the backoff wait) and sends the backlog.
    /// Returns false when there is no uplink with that name.
    func flush(_ name: String) async -> Bool
    /// Stops sending (the backlog keeps growing on disk) until `resume`.
    func pause(_ name: String) async -> Bool
    func resume(_ name: String) async -> Bool
}

/// One uplink as the API reports it (`GET /api/v1/uplinks`).
public struct UplinkStatus: Codable, Sendable, Equatable {
    public var name: String
    /// The cloud peer, without credentials (e.g. `amqps://cloud.example.com:5671/edge`).
    public var url: String
    /// "amqp" or "mqtt".
    public var protocolName: String
    /// connected, connecting, disconnected, paused.
    public var state: String
    public var connected: Bool
    public var paused: Bool
    /// The last connection or send error, if any.
    public var lastError: String?
    /// ms since 1970.
    public var lastErrorTime: Int64?
    /// ms since 1970 of the current connection, when connected.
    public var connectedSince: Int64?
    public var backlogMessages: Int
    public var backlogBytes: Int
    /// Age of the oldest message waiting, seconds; nil when the backlog is empty.
    public var oldestMessageAgeSeconds: Double?
    /// Messages accepted by the peer per second, recent average.
    public var sendRate: Double
    public var sentTotal: Int
    /// Messages the peer refused, moved to the uplink's dead-letter queue.
    public var rejectedTotal: Int
    /// Transfers sent and not yet settled by the peer.
    public var inFlight: Int
    /// Seconds until the backlog is gone at the recent rate; nil when nothing moves.
    public var estimatedDrainSeconds: Double?
    /// Messages from the peer stored locally by the `receive` rules.
    public var receivedTotal: Int
    /// The last problem with the `receive` rules, if any.
    public var lastReceiveError: String?
    /// When the next reconnect attempt is due (ms since 1970), when disconnected.
    public var nextAttemptTime: Int64?

    public init(
        name: String,
        url: String,
        protocolName: String,
        state: String,
        connected: Bool,
        paused: Bool,
        lastError: String? = nil,
        lastErrorTime: Int64? = nil,
        connectedSince: Int64? = nil,
        backlogMessages: Int = 0,
        backlogBytes: Int = 0,
        oldestMessageAgeSeconds: Double? = nil,
        sendRate: Double = 0,
        sentTotal: Int = 0,
        rejectedTotal: Int = 0,
        inFlight: Int = 0,
        estimatedDrainSeconds: Double? = nil,
        receivedTotal: Int = 0,
        lastReceiveError: String? = nil,
        nextAttemptTime: Int64? = nil
    ) {
        self.name = name
        self.url = url
        self.protocolName = protocolName
        self.state = state
        self.connected = connected
        self.paused = paused
        self.lastError = lastError
        self.lastErrorTime = lastErrorTime
        self.connectedSince = connectedSince
        self.backlogMessages = backlogMessages
        self.backlogBytes = backlogBytes
        self.oldestMessageAgeSeconds = oldestMessageAgeSeconds
        self.sendRate = sendRate
        self.sentTotal = sentTotal
        self.rejectedTotal = rejectedTotal
        self.inFlight = inFlight
        self.estimatedDrainSeconds = estimatedDrainSeconds
        self.receivedTotal = receivedTotal
        self.lastReceiveError = lastReceiveError
        self.nextAttemptTime = nextAttemptTime
    }

    enum CodingKeys: String, CodingKey {
        case name, url
        case protocolName = "protocol"
        case state, connected, paused, lastError, lastErrorTime, connectedSince, backlogMessages, backlogBytes
        case oldestMessageAgeSeconds, sendRate, sentTotal, rejectedTotal, inFlight, estimatedDrainSeconds
        case receivedTotal, lastReceiveError, nextAttemptTime
    }
}

/// The uplink control of a node without uplinks.
public struct NoUplinks: UplinkControl {
    public init() {}
    public func status() async -> [UplinkStatus] { [] }
    public func flush(_ name: String) async -> Bool { false }
    public func pause(_ name: String) async -> Bool { false }
    public func resume(_ name: String) async -> Bool { false }
}
