import NIOCore

/// The body of an AMQP frame (part 2.7): one performative.
///
/// The large, rare performatives are `indirect` so that the enum stays small and the frequent ones
/// (transfer, flow, disposition) move around without copying hundreds of bytes.
public enum AMQPPerformative: Hashable, Sendable {
    indirect case open(AMQPOpen)
    indirect case begin(AMQPBegin)
    indirect case attach(AMQPAttach)
    case flow(AMQPFlow)
    case transfer(AMQPTransfer)
    case disposition(AMQPDisposition)
    case detach(AMQPDetach)
    case end(AMQPEnd)
    case close(AMQPClose)
}

extension AMQPPerformative {
    /// Decodes the performative at the buffer's reader index and advances past it.
    public init(decoding buffer: inout ByteBuffer) throws {
        self = try AMQPDecoder.decode(&buffer) { try Self(decoder: &$0) }
    }

    init(decoder: inout AMQPDecoder) throws {
        let descriptorOffset = decoder.offset
        switch try decoder.readDescriptorCode("performative") {
        case AMQPDescriptor.open: self = .open(try decoder.readFields(of: AMQPOpen.self))
        case AMQPDescriptor.begin: self = .begin(try decoder.readFields(of: AMQPBegin.self))
        case AMQPDescriptor.attach: self = .attach(try decoder.readFields(of: AMQPAttach.self))
        case AMQPDescriptor.flow: self = .flow(try decoder.readFields(of: AMQPFlow.self))
        case AMQPDescriptor.transfer: self = .transfer(try decoder.readFields(of: AMQPTransfer.self))
        case AMQPDescriptor.disposition: self = .disposition(try decoder.readFields(of: AMQPDisposition.self))
        case AMQPDescriptor.detach: self = .detach(try decoder.readFields(of: AMQPDetach.self))
        case AMQPDescriptor.end: self = .end(try decoder.readFields(of: AMQPEnd.self))
        case AMQPDescriptor.close: self = .close(try decoder.readFields(of: AMQPClose.self))
        default: throw decoder.error(.unexpectedDescriptor, "performative", at: descriptorOffset)
        }
    }
}

extension ByteBuffer {
    /// Writes a performative (without frame header); `writeAMQPFrame` is what the engine normally uses.
    @discardableResult
    public mutating func writeAMQPPerformative(_ performative: AMQPPerformative) -> Int {
        let start = self.writerIndex
        switch performative {
        case .open(let open): self.writeComposite(open)
        case .begin(let begin): self.writeComposite(begin)
        case .attach(let attach): self.writeComposite(attach)
        case .flow(let flow): flow.encode(into: &self)
        case .transfer(let transfer): transfer.encode(into: &self)
        case .disposition(let disposition): disposition.encode(into: &self)
        case .detach(let detach): self.writeComposite(detach)
        case .end(let end): self.writeComposite(end)
        case .close(let close): self.writeComposite(close)
        }
        return self.writerIndex - start
    }
}
