/// What an operator sees of one uplink (management API, metrics, `outpost uplink status`).
public struct UplinkStatus: Sendable, Equatable, Codable {
    public var name: String
    public var url: String
    public var state: String
    public var connected: Bool
    /// ms since 1970 when the current connection was made.
    public var connectedSince: Int64?
    public var lastError: String?
    public var backlogMessages: Int
    public var backlogBytes: Int
    /// Age of the oldest waiting message, ms.
    public var oldestMessageAge: Int64?
    public var inFlight: Int
    public var forwardedTotal: Int
    public var rejectedTotal: Int
    /// Messages from the peer stored locally by the `receive` rules.
    public var receivedTotal: Int
    /// The last problem with the `receive` rules, if any.
    public var lastReceiveError: String?
    /// Messages per second accepted by the peer, over the last minute.
    public var uploadRate: Double
    /// Seconds until the backlog is drained at the current rate; nil when not moving.
    public var estimatedDrainSeconds: Double?
}
