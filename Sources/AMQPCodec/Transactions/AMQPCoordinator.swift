import NIOCore

/// The target of a link to a transaction coordinator (part 4.5.1).
public struct AMQPCoordinator: Hashable, Sendable {
    /// Supported transaction capabilities, such as `amqp:local-transactions`.
    public var capabilities: [String]

    public init(capabilities: [String] = []) {
        self.capabilities = capabilities
    }
}

extension AMQPCoordinator: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.coordinator
    static let compositeName = "coordinator"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.capabilities = try decoder.readSymbols(&fields, "capabilities") ?? []
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeSymbolsField(self.capabilities, &list)
    }
}
