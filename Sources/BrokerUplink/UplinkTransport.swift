import BrokerCore
import BrokerStore
import NIOCore

/// A way to reach a cloud peer (AMQP 1.0 or MQTT client). The uplink asks it to
/// connect; the connection then takes transfers and reports outcomes and its end.
/// When the settings carry `receive` rules, the connection also subscribes to the
/// remote sources and hands each arrival to the uplink to store locally.
public protocol UplinkTransport: Sendable {
    func connect(
        settings: UplinkSettings,
        on eventLoop: any EventLoop,
        events: any UplinkConnectionEvents
    ) -> EventLoopFuture<any UplinkConnection>
}

/// An open connection to the peer. Called on the uplink's event loop.
public protocol UplinkConnection: Sendable {
    /// Sends one message to `remoteAddress`; its outcome arrives via `UplinkConnectionEvents`
    /// tagged with `delivery.key`. `stableID` is the id the peer may deduplicate on.
    func send(_ delivery: Delivery, remoteAddress: String, stableID: String)
    /// Tells the peer an arrival is stored (AMQP `accepted`, MQTT PUBACK) and asks for the next.
    func acknowledgeInbound(_ receipt: UplinkInboundReceipt)
    func close()
}

/// What a connection reports back (on the uplink's event loop).
public protocol UplinkConnectionEvents: AnyObject, Sendable {
    func outcome(of key: EntryKey, _ outcome: RemoteOutcome)
    /// A message arrived from the peer on a `receive` rule, addressed to its local address.
    /// `receipt` is nil when the peer does not wait for an acknowledgement (MQTT QoS 0).
    func inboundArrived(_ message: IncomingMessage, receipt: UplinkInboundReceipt?, on connection: any UplinkConnection)
    /// Something the operator should know that does not end the connection (a refused subscription).
    func problemReported(_ problem: String)
    func connectionClosed(error: String)
}

/// How a connection finds an arrival again to acknowledge it.
public enum UplinkInboundReceipt: Sendable, Hashable {
    case amqp(linkHandle: UInt32, deliveryID: UInt32)
    case mqtt(packetIdentifier: UInt16)
}
