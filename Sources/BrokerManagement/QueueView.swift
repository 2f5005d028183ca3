import BrokerCore
import BrokerStore

/// A queue as `GET /api/v1/queues` shows it.
public struct QueueView: Codable, Sendable, Equatable {
    public var name: String
    public var address: String
    /// "anycast" or "multicast".
    public var routingType: String
    public var durable: Bool
    /// The binding filter (an MQTT-style pattern for wildcard subscriptions).
    public var filter: String
    public var messages: Int
    public var bytes: Int
    /// Delivered and not yet settled (counted in `messages`).
    public var inFlight: Int
    public var consumers: Int
    /// Age of the oldest message in the queue, seconds; nil when the queue is empty.
    public var oldestMessageAgeSeconds: Double?
    public var enqueuedTotal: Int
    public var deliveredTotal: Int
    public var acknowledgedTotal: Int
    /// Messages per second over the last sampling interval (about 5 seconds).
    public var enqueueRate: Double
    public var deliverRate: Double
    public var ackRate: Double

    public init(
        name: String,
        address: String,
        routingType: String,
        durable: Bool,
        filter: String,
        messages: Int,
        bytes: Int,
        inFlight: Int,
        consumers: Int,
        oldestMessageAgeSeconds: Double?,
        enqueuedTotal: Int,
        deliveredTotal: Int,
        acknowledgedTotal: Int,
        enqueueRate: Double,
        deliverRate: Double,
        ackRate: Double
    ) {
        self.name = name
        self.address = address
        self.routingType = routingType
        self.durable = durable
        self.filter = filter
        self.messages = messages
        self.bytes = bytes
        self.inFlight = inFlight
        self.consumers = consumers
        self.oldestMessageAgeSeconds = oldestMessageAgeSeconds
        self.enqueuedTotal = enqueuedTotal
        self.deliveredTotal = deliveredTotal
        self.acknowledgedTotal = acknowledgedTotal
        self.enqueueRate = enqueueRate
        self.deliverRate = deliverRate
        self.ackRate = ackRate
    }
}

/// The body of `POST /api/v1/queues`.
public struct CreateQueueRequest: Codable, Sendable {
    public var name: String
    /// Defaults to the queue name.
    public var address: String?
    /// "anycast" (default) or "multicast".
    public var routingType: String?
    /// Defaults to true.
    public var durable: Bool?
    /// For multicast queues: an MQTT-style pattern; defaults to the address.
    public var filter: String?

    public init(name: String, address: String? = nil, routingType: String? = nil, durable: Bool? = nil, filter: String? = nil) {
        self.name = name
        self.address = address
        self.routingType = routingType
        self.durable = durable
        self.filter = filter
    }
}

/// An address as `GET /api/v1/addresses` shows it.
public struct AddressView: Codable, Sendable, Equatable {
    public var name: String
    public var routingTypes: [String]
    public var queues: [String]

    public init(name: String, routingTypes: [String], queues: [String]) {
        self.name = name
        self.routingTypes = routingTypes
        self.queues = queues
    }

    init(_ info: Broker.AddressInfo) {
        var types: [String] = []
        if info.routingTypes.contains(.anycast) { types.append("anycast") }
        if info.routingTypes.contains(.multicast) { types.append("multicast") }
        self.init(name: info.name, routingTypes: types, queues: info.queueNames)
    }
}

/// A client connection as `GET /api/v1/connections` shows it.
public struct ConnectionView: Codable, Sendable, Equatable {
    public var id: UInt64
    public var protocolName: String
    public var clientId: String?
    public var username: String?
    public var remoteAddress: String
    /// ms since 1970.
    public var since: Int64
    public var messagesIn: Int
    public var messagesOut: Int

    public init(_ info: ConnectionInfo) {
        self.id = info.id
        self.protocolName = info.protocolName
        self.clientId = info.clientID
        self.username = info.username
        self.remoteAddress = info.remoteAddress
        self.since = info.since
        self.messagesIn = info.messagesIn
        self.messagesOut = info.messagesOut
    }

    enum CodingKeys: String, CodingKey {
        case id
        case protocolName = "protocol"
        case clientId, username, remoteAddress, since, messagesIn, messagesOut
    }
}

/// Lists wrap their items so the shape can grow (`{"queues": [...]}`).
public struct QueueList: Codable, Sendable { public var queues: [QueueView] }
public struct AddressList: Codable, Sendable { public var addresses: [AddressView] }
public struct ConnectionList: Codable, Sendable { public var connections: [ConnectionView] }
public struct UplinkList: Codable, Sendable {
    public var uplinks: [UplinkStatus]
    public init(uplinks: [UplinkStatus]) { self.uplinks = uplinks }
}

/// A page of `GET /api/v1/queues/{name}/messages`; `next` is the `from` of the next page.
public struct MessagePage: Codable, Sendable {
    public var queue: String
    public var messages: [MessageView]
    public var next: String?
}

/// What `POST /api/v1/queues/{name}/receive` returns: leased messages to write and then acknowledge.
public struct ReceiveResult: Codable, Sendable {
    public var lease: String
    /// Seconds the messages stay leased without a further receive or ack.
    public var leaseSeconds: Int
    public var messages: [MessageView]
    /// Messages left in the queue (including the ones leased), as counted now.
    public var remaining: Int
}

/// The body of ack and release: keys of messages of one lease.
public struct SettleRequest: Codable, Sendable {
    public var lease: String
    public var keys: [String]

    public init(lease: String, keys: [String]) {
        self.lease = lease
        self.keys = keys
    }
}

public struct SettleResult: Codable, Sendable {
    /// The keys settled.
    public var settled: [String]
    /// Keys the lease did not hold (expired and released, or never leased): not settled.
    public var unknown: [String]
}

/// The body of `POST /api/v1/queues/{name}/move`.
public struct MoveRequest: Codable, Sendable {
    /// The address the messages go to (routed as a producer's message would be).
    public var toAddress: String
    /// At most this many (default: all ready messages).
    public var max: Int?

    public init(toAddress: String, max: Int? = nil) {
        self.toAddress = toAddress
        self.max = max
    }
}

/// The body of `POST /api/v1/addresses/{address}/messages`.
public struct SendRequest: Codable, Sendable {
    public var body: String
    /// The body is base64 (binary payloads).
    public var base64: Bool?
    public var priority: Int?
    /// Defaults to true.
    public var durable: Bool?
    /// Time to live in milliseconds.
    public var ttl: Int64?
    /// Send the same message this many times (default 1; for tests and load).
    public var count: Int?
    /// "anycast" (default) or "multicast" when the address does not exist yet.
    public var routingType: String?

    public init(body: String, base64: Bool? = nil, priority: Int? = nil, durable: Bool? = nil, ttl: Int64? = nil, count: Int? = nil, routingType: String? = nil) {
        self.body = body
        self.base64 = base64
        self.priority = priority
        self.durable = durable
        self.ttl = ttl
        self.count = count
        self.routingType = routingType
    }
}

/// Counts returned by operations (`{"purged": 12}`, `{"moved": 3}`, `{"sent": 1}`).
public struct CountResult: Codable, Sendable, Equatable {
    public var count: Int
    public var operation: String

    public init(count: Int, operation: String) {
        self.count = count
        self.operation = operation
    }
}
