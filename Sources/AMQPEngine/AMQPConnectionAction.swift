import AMQPCodec
import BrokerStore
import NIOCore

/// What the connection state machine asks its handler to do. An event may produce several; they run in
/// order.
public enum AMQPConnectionAction: Sendable {
    case sendProtocolHeader(AMQPProtocolHeader)
    case sendSASL(AMQPSASLPerformative)
    /// A frame to write (transfers carry their message bytes as payload).
    case sendFrame(AMQPFrame)
    /// One delivery's disposition; the handler merges consecutive ones into ranges before writing.
    case sendDisposition(channel: UInt16, role: AMQPRole, deliveryID: UInt32, settled: Bool, state: AMQPDeliveryState?)
    /// Check a SASL PLAIN user (slow: PBKDF2) and report with `authenticationCompleted`.
    case authenticate(username: String, password: String)
    /// The connection is open: adjust the decoder's frame limit and start the idle timers.
    case connectionOpened(containerID: String, username: String?, maximumFrameSize: UInt32, heartbeatInterval: TimeAmount?, idleTimeout: TimeAmount?)
    /// Resolve an attach against the broker and report with `linkResolved`.
    case resolveLink(AMQPLinkID, AMQPLinkRequest)
    /// Store and route a complete message and report with `publishCompleted` (also for settled ones).
    /// With a transaction id the message is staged in that transaction instead.
    case publish(AMQPLinkID, deliveryID: UInt32, settled: Bool, message: ByteBuffer, transactionID: ByteBuffer?)
    /// A coordinator link asked for a transaction: start one (scoped to the session on `channel`)
    /// and report its id with `publishCompleted(..., acceptedState: .declared)`.
    case declareTransaction(AMQPLinkID, channel: UInt16, deliveryID: UInt32, settled: Bool)
    /// Commit (`fail` false) or roll back a transaction and report with `publishCompleted`.
    case dischargeTransaction(AMQPLinkID, deliveryID: UInt32, settled: Bool, transactionID: ByteBuffer, fail: Bool)
    /// Check whether a blocking target has room and report with `targetCapacityChecked`.
    case checkTargetCapacity(AMQPLinkID)
    /// Add (or, negative, take away) consumer credit.
    case addConsumerCredit(AMQPLinkID, Int)
    /// Deliver what is ready, then report the unused credit with `drainCompleted`.
    case drainConsumer(AMQPLinkID)
    case settle(AMQPLinkID, EntryKey, AMQPSettlement)
    /// A settlement the peer made inside a transaction: it takes effect when the transaction commits.
    case settleInTransaction(AMQPLinkID, EntryKey, AMQPSettlement, transactionID: ByteBuffer)
    /// The session on `channel` ended: roll back the transactions it declared and left open.
    case rollbackTransactions(channel: UInt16)
    /// Deliveries that arrived beyond the link's credit: give them back, uncounted.
    case returnDeliveries(AMQPLinkID, [EntryKey])
    /// The link is gone: close its consumer (unsettled deliveries come back counted) and remove what
    /// was temporary. `closed` is the detach's closed flag (false on connection loss).
    case releaseLink(AMQPLinkID, closed: Bool)
    /// Close the socket once everything written so far is flushed.
    case closeConnection
}

extension AMQPConnectionAction {
    static func send(_ channel: UInt16, _ performative: AMQPPerformative, payload: ByteBuffer = ByteBuffer()) -> Self {
        .sendFrame(AMQPFrame(channel: channel, performative: performative, payload: payload))
    }
}
