import NIOCore

extension AMQPEncodedMessage {
    /// The body sections (data, amqp-sequence or amqp-value) as received, undecoded: a slice of
    /// `bareMessage`.
    public var encodedBody: ByteBuffer {
        self.bareMessage.getSlice(at: self.bareMessage.readerIndex + self.bodyRange.lowerBound, length: self.bodyRange.count)
            ?? ByteBuffer()
    }

    /// Writes the message as a new sender sends it on (an uplink): `header`, the message-annotations
    /// and footer as received, the bare message rebuilt with `properties` and `applicationProperties`
    /// in place of the received ones (a new sender may do that; part 3.2), and the body sections
    /// copied byte for byte, never decoded. Delivery-annotations are for one hop and are dropped.
    ///
    /// One pass and one copy of the body; decoding the body and encoding it again, then parsing the
    /// new bare message to combine it with the header, cost several copies per message.
    public func encodeForwarded(
        header: AMQPHeader,
        properties: AMQPProperties?,
        applicationProperties: AMQPMap?,
        into buffer: inout ByteBuffer
    ) {
        buffer.writeComposite(header)
        if let messageAnnotations = self.messageAnnotations {
            buffer.writeMapSection(descriptorCode: AMQPDescriptor.messageAnnotations, messageAnnotations)
        }
        if let properties {
            buffer.writeComposite(properties)
        }
        if let applicationProperties {
            buffer.writeMapSection(descriptorCode: AMQPDescriptor.applicationProperties, applicationProperties)
        }
        buffer.writeImmutableBuffer(self.encodedBody)
        if let footer = self.footer {
            buffer.writeMapSection(descriptorCode: AMQPDescriptor.footer, footer)
        }
    }
}
