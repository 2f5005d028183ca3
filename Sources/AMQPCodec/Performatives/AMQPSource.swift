import NIOCore

/// The source terminus of a link (part 3.5.3).
public struct AMQPSource: Hashable, Sendable {
    public var address: String?
    public var durable: AMQPTerminusDurability
    public var expiryPolicy: AMQPTerminusExpiryPolicy
    /// Seconds.
    public var timeout: UInt32
    /// Asks the peer to create a node (temporary queue) and return its address.
    public var dynamic: Bool
    public var dynamicNodeProperties: AMQPMap
    public var distributionMode: AMQPDistributionMode?
    /// The filter-set: symbol keys to described filter values; empty when absent.
    public var filter: AMQPMap
    public var defaultOutcome: AMQPDeliveryState?
    public var outcomes: [String]
    public var capabilities: [String]

    public init(
        address: String? = nil,
        durable: AMQPTerminusDurability = .none,
        expiryPolicy: AMQPTerminusExpiryPolicy = .sessionEnd,
        timeout: UInt32 = 0,
        dynamic: Bool = false,
        dynamicNodeProperties: AMQPMap = AMQPMap(),
        distributionMode: AMQPDistributionMode? = nil,
        filter: AMQPMap = AMQPMap(),
        defaultOutcome: AMQPDeliveryState? = nil,
        outcomes: [String] = [],
        capabilities: [String] = []
    ) {
        self.address = address
        self.durable = durable
        self.expiryPolicy = expiryPolicy
        self.timeout = timeout
        self.dynamic = dynamic
        self.dynamicNodeProperties = dynamicNodeProperties
        self.distributionMode = distributionMode
        self.filter = filter
        self.defaultOutcome = defaultOutcome
        self.outcomes = outcomes
        self.capabilities = capabilities
    }
}

extension AMQPSource: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.source
    static let compositeName = "source"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.address = try decoder.readString(&fields, "address")
        self.durable = try decoder.readDurability(&fields)
        self.expiryPolicy =
            try decoder.readSymbol(&fields, "expiry-policy").map(AMQPTerminusExpiryPolicy.init(rawValue:))
            ?? .sessionEnd
        self.timeout = try decoder.readUInt32(&fields, "timeout") ?? 0
        self.dynamic = try decoder.readBool(&fields, "dynamic") ?? false
        self.dynamicNodeProperties = try decoder.readMap(&fields, "dynamic-node-properties") ?? AMQPMap()
        self.distributionMode = try decoder.readSymbol(&fields, "distribution-mode").map(
            AMQPDistributionMode.init(rawValue:)
        )
        self.filter = try decoder.readMap(&fields, "filter") ?? AMQPMap()
        self.defaultOutcome = try decoder.readDeliveryState(&fields, "default-outcome")
        self.outcomes = try decoder.readSymbols(&fields, "outcomes") ?? []
        self.capabilities = try decoder.readSymbols(&fields, "capabilities") ?? []
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeStringField(self.address, &list)
        buffer.writeField(self.durable.rawValue, default: 0, &list)
        buffer.writeSymbolField(self.expiryPolicy == .sessionEnd ? nil : self.expiryPolicy.rawValue, &list)
        buffer.writeField(self.timeout, default: 0, &list)
        buffer.writeField(self.dynamic, default: false, &list)
        buffer.writeField(self.dynamicNodeProperties.isEmpty ? nil : self.dynamicNodeProperties, &list)
        buffer.writeSymbolField(self.distributionMode?.rawValue, &list)
        buffer.writeField(self.filter.isEmpty ? nil : self.filter, &list)
        buffer.writeDeliveryStateField(self.defaultOutcome, &list)
        buffer.writeSymbolsField(self.outcomes, &list)
        buffer.writeSymbolsField(self.capabilities, &list)
    }
}

extension AMQPDecoder {
    mutating func readDurability(_ fields: inout AMQPFieldReader) throws -> AMQPTerminusDurability {
        let valueOffset = self.offset
        guard let raw = try self.readUInt32(&fields, "durable") else { return .none }
        guard let durability = AMQPTerminusDurability(rawValue: raw) else {
            throw self.error(.valueOutOfRange, fields.context("durable"), at: valueOffset)
        }
        return durability
    }
}
