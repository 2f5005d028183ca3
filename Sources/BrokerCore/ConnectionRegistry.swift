import Atomics
import NIOConcurrencyHelpers

/// The client connections of every protocol, for management (list, close) and metrics.
public final class ConnectionRegistry: Sendable {
    private let connections = NIOLockedValueBox<[UInt64: Entry]>([:])
    private let nextID = ManagedAtomic<UInt64>(0)
    /// Messages in and out per protocol since start, closed connections included.
    private let totals = NIOLockedValueBox<[String: TrafficTotals]>([:])

    public struct TrafficTotals: Sendable, Equatable {
        public var messagesIn = 0
        public var messagesOut = 0

        public init(messagesIn: Int = 0, messagesOut: Int = 0) {
            self.messagesIn = messagesIn
            self.messagesOut = messagesOut
        }
    }

    private struct Entry {
        var info: ConnectionInfo
        var close: @Sendable () -> Void
    }

    public init() {}

    /// Registers a connection; `close` must close it from any thread. Returns its id.
    public func register(
        protocolName: String,
        remoteAddress: String,
        since: Int64,
        close: @escaping @Sendable () -> Void
    ) -> UInt64 {
        let id = self.nextID.wrappingIncrementThenLoad(ordering: .relaxed)
        let info = ConnectionInfo(id: id, protocolName: protocolName, clientID: nil, username: nil, remoteAddress: remoteAddress, since: since)
        self.connections.withLockedValue { $0[id] = Entry(info: info, close: close) }
        return id
    }

    /// Records what the client said about itself (container id / client id, user).
    public func identify(_ id: UInt64, clientID: String?, username: String?) {
        self.connections.withLockedValue {
            $0[id]?.info.clientID = clientID
            $0[id]?.info.username = username
        }
    }

    /// Adds traffic a connection saw since its last report (engines report per flush).
    public func countTraffic(_ id: UInt64, messagesIn: Int = 0, messagesOut: Int = 0) {
        let protocolName: String? = self.connections.withLockedValue {
            $0[id]?.info.messagesIn += messagesIn
            $0[id]?.info.messagesOut += messagesOut
            return $0[id]?.info.protocolName
        }
        guard let protocolName else { return }
        self.totals.withLockedValue {
            $0[protocolName, default: TrafficTotals()].messagesIn += messagesIn
            $0[protocolName, default: TrafficTotals()].messagesOut += messagesOut
        }
    }

    /// Traffic per protocol since start (for metrics counters).
    public var trafficTotals: [String: TrafficTotals] { self.totals.withLockedValue { $0 } }

    public func unregister(_ id: UInt64) {
        self.connections.withLockedValue { _ = $0.removeValue(forKey: id) }
    }

    public var all: [ConnectionInfo] {
        self.connections.withLockedValue { $0.values.map(\.info) }.sorted { $0.id < $1.id }
    }

    /// Closes a connection; false when there is none with that id.
    @discardableResult
    public func close(_ id: UInt64) -> Bool {
        guard let close = self.connections.withLockedValue({ $0[id]?.close }) else { return false }
        close()
        return true
    }
}

/// What management shows about one connection.
public struct ConnectionInfo: Sendable, Equatable {
    public var id: UInt64
    public var protocolName: String
    public var clientID: String?
    public var username: String?
    public var remoteAddress: String
    /// ms since 1970.
    public var since: Int64
    public var messagesIn = 0
    public var messagesOut = 0
}
