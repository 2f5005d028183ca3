/// The durable description of an address: its name and routing types.
public struct AddressRecord: Sendable, Equatable {
    public struct RoutingTypes: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let anycast = RoutingTypes(rawValue: 1)
        public static let multicast = RoutingTypes(rawValue: 2)
    }

    public var name: String
    public var routingTypes: RoutingTypes

    public init(name: String, routingTypes: RoutingTypes) {
        self.name = name
        self.routingTypes = routingTypes
    }

    /// Layout: version(1) routing types(1). The key is the name.
    func encoded() -> [UInt8] { [1, self.routingTypes.rawValue] }

    init(name: String, decoding bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= 2, bytes[0] == 1 else {
            throw StoreError.corrupted("address \(name): unknown record layout")
        }
        self.name = name
        self.routingTypes = RoutingTypes(rawValue: bytes[1])
    }
}
