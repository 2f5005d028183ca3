/// The durable description of a queue and its counters, kept in the `queues` database
/// so that opening a store knows every depth without reading a single entry.
public struct QueueRecord: Sendable, Equatable {
    public enum RoutingType: UInt8, Sendable, Codable {
        case anycast = 1
        case multicast = 2
    }

    public var id: QueueID
    public var name: String
    public var address: String
    public var routingType: RoutingType
    /// Non-durable queues are removed, with their entries, when the store opens.
    public var isDurable: Bool
    /// The binding filter: an MQTT-style pattern for wildcard subscriptions, or the address itself.
    public var filter: String
    /// More patterns the queue is bound with (a multicast queue collecting several
    /// addresses, like an uplink's forwarding queue).
    public var additionalBindings: [String]
    /// The message selector a subscription stores by (only matching messages enter it); empty
    /// when it takes everything. The broker's filter factory reads it.
    public var selector: String
    public var messageCount: UInt64
    public var byteCount: UInt64

    public init(
        id: QueueID,
        name: String,
        address: String,
        routingType: RoutingType,
        isDurable: Bool,
        filter: String = "",
        additionalBindings: [String] = [],
        selector: String = "",
        messageCount: UInt64 = 0,
        byteCount: UInt64 = 0
    ) {
        self.id = id
        self.name = name
        self.address = address
        self.routingType = routingType
        self.isDurable = isDurable
        self.filter = filter
        self.additionalBindings = additionalBindings
        self.selector = selector
        self.messageCount = messageCount
        self.byteCount = byteCount
    }

    /// Layout: version(1) routing(1) durable(1) messageCount(8) byteCount(8)
    /// name(4+n) address(4+n) filter(4+n) binding count(4) bindings(4+n each) selector(4+n),
    /// all big-endian. Version 1 records end after the bindings (no selector).
    private static let layoutVersion: UInt8 = 2
    private static let layoutVersionWithoutSelector: UInt8 = 1

    func encoded() -> [UInt8] {
        var writer = RecordWriter()
        writer.write(Self.layoutVersion)
        writer.write(self.routingType.rawValue)
        writer.write(UInt8(self.isDurable ? 1 : 0))
        writer.write(self.messageCount)
        writer.write(self.byteCount)
        writer.write(self.name)
        writer.write(self.address)
        writer.write(self.filter)
        writer.write(UInt32(self.additionalBindings.count))
        for binding in self.additionalBindings { writer.write(binding) }
        writer.write(self.selector)
        return writer.bytes
    }

    init(id: QueueID, decoding bytes: UnsafeRawBufferPointer) throws {
        var reader = RecordReader(bytes, what: "queue \(id)")
        let version = try reader.readUInt8()
        guard version == Self.layoutVersion || version == Self.layoutVersionWithoutSelector else {
            throw StoreError.corrupted("queue \(id): unknown record layout \(version)")
        }
        guard let routing = RoutingType(rawValue: try reader.readUInt8()) else {
            throw StoreError.corrupted("queue \(id): unknown routing type")
        }
        self.id = id
        self.routingType = routing
        self.isDurable = try reader.readUInt8() != 0
        self.messageCount = try reader.readUInt64()
        self.byteCount = try reader.readUInt64()
        self.name = try reader.readString()
        self.address = try reader.readString()
        self.filter = try reader.readString()
        let count = try reader.readUInt32()
        var bindings: [String] = []
        for _ in 0..<min(count, 4096) { bindings.append(try reader.readString()) }
        self.additionalBindings = bindings
        self.selector = version == Self.layoutVersion ? try reader.readString() : ""
    }
}
