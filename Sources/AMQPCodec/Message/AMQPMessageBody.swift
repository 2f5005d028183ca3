import NIOCore

/// The application data of a message (part 3.2.6 to 3.2.8): one of three kinds, never mixed.
public enum AMQPMessageBody: Hashable, Sendable {
    /// One or more data sections of opaque bytes; the usual body, and the one MQTT maps to.
    case data([ByteBuffer])
    /// One or more amqp-sequence sections.
    case sequence([[AMQPValue]])
    /// A single amqp-value section.
    case value(AMQPValue)
}

extension ByteBuffer {
    mutating func writeAMQPMessageBody(_ body: AMQPMessageBody) {
        switch body {
        case .data(let sections):
            for section in sections {
                self.writeDescriptor(AMQPDescriptor.data)
                self.writeBinary(section)
            }
        case .sequence(let sections):
            for section in sections {
                self.writeDescriptor(AMQPDescriptor.amqpSequence)
                self.writeList(section)
            }
        case .value(let value):
            self.writeDescriptor(AMQPDescriptor.amqpValue)
            self.writeAMQPValue(value)
        }
    }

    /// Writes a map-valued section (annotations, application-properties, footer).
    mutating func writeMapSection(descriptorCode: UInt64, _ map: AMQPMap) {
        self.writeDescriptor(descriptorCode)
        self.writeMap(map)
    }
}
