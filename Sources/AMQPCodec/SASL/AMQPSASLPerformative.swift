import NIOCore

/// The body of a SASL frame (part 5.3.3).
public enum AMQPSASLPerformative: Hashable, Sendable {
    case mechanisms(AMQPSASLMechanisms)
    case initial(AMQPSASLInit)
    case challenge(AMQPSASLChallenge)
    case response(AMQPSASLResponse)
    case outcome(AMQPSASLOutcome)
}

extension AMQPSASLPerformative {
    init(decoder: inout AMQPDecoder) throws {
        let descriptorOffset = decoder.offset
        switch try decoder.readDescriptorCode("sasl performative") {
        case AMQPDescriptor.saslMechanisms: self = .mechanisms(try decoder.readFields(of: AMQPSASLMechanisms.self))
        case AMQPDescriptor.saslInit: self = .initial(try decoder.readFields(of: AMQPSASLInit.self))
        case AMQPDescriptor.saslChallenge: self = .challenge(try decoder.readFields(of: AMQPSASLChallenge.self))
        case AMQPDescriptor.saslResponse: self = .response(try decoder.readFields(of: AMQPSASLResponse.self))
        case AMQPDescriptor.saslOutcome: self = .outcome(try decoder.readFields(of: AMQPSASLOutcome.self))
        default: throw decoder.error(.unexpectedDescriptor, "sasl performative", at: descriptorOffset)
        }
    }
}

extension ByteBuffer {
    mutating func writeSASLPerformative(_ performative: AMQPSASLPerformative) {
        switch performative {
        case .mechanisms(let mechanisms): self.writeComposite(mechanisms)
        case .initial(let initial): self.writeComposite(initial)
        case .challenge(let challenge): self.writeComposite(challenge)
        case .response(let response): self.writeComposite(response)
        case .outcome(let outcome): self.writeComposite(outcome)
        }
    }
}
