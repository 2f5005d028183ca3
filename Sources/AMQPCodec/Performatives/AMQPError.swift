import NIOCore

/// The error carried by detach, end, close and rejected (part 2.8.14).
public struct AMQPError: Hashable, Sendable {
    public var condition: AMQPErrorCondition
    public var description: String?
    /// Extra information keyed by symbols; empty when absent.
    public var info: AMQPMap

    public init(condition: AMQPErrorCondition, description: String? = nil, info: AMQPMap = AMQPMap()) {
        self.condition = condition
        self.description = description
        self.info = info
    }
}

extension AMQPError: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.error
    static let compositeName = "error"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        let condition = try decoder.mandatory(decoder.readSymbol(&fields, "condition"), "condition", in: fields)
        self.condition = AMQPErrorCondition(rawValue: condition)
        self.description = try decoder.readString(&fields, "description")
        self.info = try decoder.readMap(&fields, "info") ?? AMQPMap()
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeSymbolField(self.condition.rawValue, &list)
        buffer.writeStringField(self.description, &list)
        buffer.writeField(self.info.isEmpty ? nil : self.info, &list)
    }
}
