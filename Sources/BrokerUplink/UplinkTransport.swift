import BrokerCore
import NIOCore

/// A way to reach a cloud peer (AMQP 1.0 or MQTT client). The uplink asks it to
/// connect; the connection then takes transfers and reports outcomes and its end.
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
    func close()
}

/// What a connection reports back (on the uplink's event loop).
public protocol UplinkConnectionEvents: AnyObject, Sendable {
    func outcome(of key: EntryKey, _ outcome: RemoteOutcome)
    func connectionClosed(error: String)
}

import BrokerStore
