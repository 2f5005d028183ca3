import NIOCore

/// The client's answer to a challenge (part 5.3.3.4).
public struct AMQPSASLResponse: Hashable, Sendable {
    public var response: ByteBuffer

    public init(response: ByteBuffer) {
        self.response = response
    }
}

extension AMQPSASLResponse: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.saslResponse
    static let compositeName = "sasl-response"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.response = try decoder.mandatory(decoder.readBinary(&fields, "response"), "response", in: fields)
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(Optional(self.response), &list)
    }
}
