import NIOCore

/// The client's chosen mechanism and its initial response (part 5.3.3.2).
public struct AMQPSASLInit: Hashable, Sendable {
    public var mechanism: String
    public var initialResponse: ByteBuffer?
    public var hostname: String?

    public init(mechanism: String, initialResponse: ByteBuffer? = nil, hostname: String? = nil) {
        self.mechanism = mechanism
        self.initialResponse = initialResponse
        self.hostname = hostname
    }
}

extension AMQPSASLInit: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.saslInit
    static let compositeName = "sasl-init"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.mechanism = try decoder.mandatory(decoder.readSymbol(&fields, "mechanism"), "mechanism", in: fields)
        self.initialResponse = try decoder.readBinary(&fields, "initial-response")
        self.hostname = try decoder.readString(&fields, "hostname")
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeSymbolField(self.mechanism, &list)
        buffer.writeField(self.initialResponse, &list)
        buffer.writeStringField(self.hostname, &list)
    }
}
