import NIOCore

/// The target terminus of a link (part 3.5.4).
public struct AMQPTarget: Hashable, Sendable {
    public var address: String?
    public var durable: AMQPTerminusDurability
    public var expiryPolicy: AMQPTerminusExpiryPolicy
    /// Seconds.
    public var timeout: UInt32
    public var dynamic: Bool
    public var dynamicNodeProperties: AMQPMap
    public var capabilities: [String]

    public init(
        address: String? = nil,
        durable: AMQPTerminusDurability = .none,
        expiryPolicy: AMQPTerminusExpiryPolicy = .sessionEnd,
        timeout: UInt32 = 0,
        dynamic: Bool = false,
        dynamicNodeProperties: AMQPMap = AMQPMap(),
        capabilities: [String] = []
    ) {
        self.address = address
        self.durable = durable
        self.expiryPolicy = expiryPolicy
        self.timeout = timeout
        self.dynamic = dynamic
        self.dynamicNodeProperties = dynamicNodeProperties
        self.capabilities = capabilities
    }
}

extension AMQPTarget: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.target
    static let compositeName = "target"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.address = try decoder.readString(&fields, "address")
        self.durable = try decoder.readDurability(&fields)
        self.expiryPolicy =
            try decoder.readSymbol(&fields, "expiry-policy").map(AMQPTerminusExpiryPolicy.init(rawValue:))
            ?? .sessionEnd
        self.timeout = try decoder.readUInt32(&fields, "timeout") ?? 0
        self.dynamic = try decoder.readBool(&fields, "dynamic") ?? false
        self.dynamicNodeProperties = try decoder.readMap(&fields, "dynamic-node-properties") ?? AMQPMap()
        self.capabilities = try decoder.readSymbols(&fields, "capabilities") ?? []
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeStringField(self.address, &list)
        buffer.writeField(self.durable.rawValue, default: 0, &list)
        buffer.writeSymbolField(self.expiryPolicy == .sessionEnd ? nil : self.expiryPolicy.rawValue, &list)
        buffer.writeField(self.timeout, default: 0, &list)
        buffer.writeField(self.dynamic, default: false, &list)
        buffer.writeField(self.dynamicNodeProperties.isEmpty ? nil : self.dynamicNodeProperties, &list)
        buffer.writeSymbolsField(self.capabilities, &list)
    }
}
