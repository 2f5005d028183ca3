import NIOCore

/// The server's list of supported SASL mechanisms (part 5.3.3.1).
public struct AMQPSASLMechanisms: Hashable, Sendable {
    public var mechanisms: [String]

    public init(mechanisms: [String]) {
        self.mechanisms = mechanisms
    }
}

extension AMQPSASLMechanisms: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.saslMechanisms
    static let compositeName = "sasl-mechanisms"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.mechanisms = try decoder.mandatory(
            decoder.readSymbols(&fields, "sasl-server-mechanisms"),
            "sasl-server-mechanisms",
            in: fields
        )
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        // Mandatory, so an empty list is still written rather than omitted.
        buffer.writeArray(AMQPArray(symbols: self.mechanisms))
        list.elementWritten(isNull: false, endIndex: buffer.writerIndex)
    }
}
