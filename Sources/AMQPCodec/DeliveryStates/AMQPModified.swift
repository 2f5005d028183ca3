import NIOCore

/// The modified outcome: release the message with changes (part 3.4.5).
public struct AMQPModified: Hashable, Sendable {
    /// Count the attempt towards the delivery count.
    public var deliveryFailed: Bool
    /// Do not redeliver to this link.
    public var undeliverableHere: Bool
    /// Annotations to merge into the message's message-annotations; empty when absent.
    public var messageAnnotations: AMQPMap

    public init(deliveryFailed: Bool = false, undeliverableHere: Bool = false, messageAnnotations: AMQPMap = AMQPMap())
    {
        self.deliveryFailed = deliveryFailed
        self.undeliverableHere = undeliverableHere
        self.messageAnnotations = messageAnnotations
    }
}

extension AMQPModified: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.modified
    static let compositeName = "modified"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.deliveryFailed = try decoder.readBool(&fields, "delivery-failed") ?? false
        self.undeliverableHere = try decoder.readBool(&fields, "undeliverable-here") ?? false
        self.messageAnnotations = try decoder.readMap(&fields, "message-annotations") ?? AMQPMap()
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(self.deliveryFailed, default: false, &list)
        buffer.writeField(self.undeliverableHere, default: false, &list)
        buffer.writeField(self.messageAnnotations.isEmpty ? nil : self.messageAnnotations, &list)
    }
}
