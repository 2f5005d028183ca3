import NIOCore

/// A server challenge in a multi-step mechanism such as SCRAM (part 5.3.3.3).
public struct AMQPSASLChallenge: Hashable, Sendable {
    public var challenge: ByteBuffer

    public init(challenge: ByteBuffer) {
        self.challenge = challenge
    }
}

extension AMQPSASLChallenge: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.saslChallenge
    static let compositeName = "sasl-challenge"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.challenge = try decoder.mandatory(decoder.readBinary(&fields, "challenge"), "challenge", in: fields)
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(Optional(self.challenge), &list)
    }
}
