import NIOCore

/// The end of the SASL exchange (part 5.3.3.5).
public struct AMQPSASLOutcome: Hashable, Sendable {
    public var code: AMQPSASLCode
    public var additionalData: ByteBuffer?

    public init(code: AMQPSASLCode, additionalData: ByteBuffer? = nil) {
        self.code = code
        self.additionalData = additionalData
    }
}

extension AMQPSASLOutcome: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.saslOutcome
    static let compositeName = "sasl-outcome"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.code = try decoder.mandatory(decoder.readEnumeration(&fields, "code"), "code", in: fields)
        self.additionalData = try decoder.readBinary(&fields, "additional-data")
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(Optional(self.code.rawValue), &list)
        buffer.writeField(self.additionalData, &list)
    }
}
