import NIOCore

/// The state of a delivery (part 3.4) and, for the terminal ones, its outcome. Also covers the
/// transaction states of part 4 so that one field type fits `transfer.state`, `disposition.state`
/// and `source.default-outcome`.
public enum AMQPDeliveryState: Hashable, Sendable {
    case received(AMQPReceived)
    case accepted
    case rejected(AMQPRejected)
    case released
    case modified(AMQPModified)
    /// The coordinator's answer to a declare (part 4.5.3).
    case declared(AMQPDeclared)
    indirect case transactional(AMQPTransactionalState)

    /// Whether the state is terminal (an outcome) rather than a resumable intermediate state.
    public var isOutcome: Bool {
        switch self {
        case .accepted, .rejected, .released, .modified, .declared: return true
        case .received, .transactional: return false
        }
    }
}

extension AMQPDeliveryState {
    /// Decodes a described delivery state at the buffer's reader index and advances past it.
    public init(decoding buffer: inout ByteBuffer) throws {
        self = try AMQPDecoder.decode(&buffer) { try $0.readDeliveryState(context: "delivery-state") }
    }
}

extension AMQPDecoder {
    mutating func readDeliveryState(_ fields: inout AMQPFieldReader, _ field: String) throws -> AMQPDeliveryState? {
        guard fields.takeField() else { return nil }
        if self.readNullIfPresent() {
            return nil
        }
        return try self.readDeliveryState(context: fields.context(field))
    }

    mutating func readDeliveryState(context: @autoclosure () -> String) throws -> AMQPDeliveryState {
        let descriptorOffset = self.offset
        switch try self.readDescriptorCode(context()) {
        case AMQPDescriptor.received: return .received(try self.readFields(of: AMQPReceived.self))
        case AMQPDescriptor.accepted: _ = try self.readFields(of: AMQPAccepted.self); return .accepted
        case AMQPDescriptor.rejected: return .rejected(try self.readFields(of: AMQPRejected.self))
        case AMQPDescriptor.released: _ = try self.readFields(of: AMQPReleased.self); return .released
        case AMQPDescriptor.modified: return .modified(try self.readFields(of: AMQPModified.self))
        case AMQPDescriptor.declared: return .declared(try self.readFields(of: AMQPDeclared.self))
        case AMQPDescriptor.transactionalState:
            return .transactional(try self.readFields(of: AMQPTransactionalState.self))
        default:
            throw self.error(.unexpectedDescriptor, context(), at: descriptorOffset)
        }
    }
}

extension ByteBuffer {
    /// Writes a described delivery state.
    @discardableResult
    public mutating func writeAMQPDeliveryState(_ state: AMQPDeliveryState) -> Int {
        let start = self.writerIndex
        switch state {
        case .received(let received): self.writeComposite(received)
        case .accepted: self.writeComposite(AMQPAccepted())
        case .rejected(let rejected): self.writeComposite(rejected)
        case .released: self.writeComposite(AMQPReleased())
        case .modified(let modified): self.writeComposite(modified)
        case .declared(let declared): self.writeComposite(declared)
        case .transactional(let transactional): self.writeComposite(transactional)
        }
        return self.writerIndex - start
    }

    mutating func writeDeliveryStateField(_ state: AMQPDeliveryState?, _ list: inout AMQPListWriter) {
        guard let state else { return self.writeNullField(&list) }
        self.writeAMQPDeliveryState(state)
        list.elementWritten(isNull: false, endIndex: self.writerIndex)
    }
}
