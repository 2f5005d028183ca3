import NIOCore

/// The immutable part of a message as an application builds it: properties, application-properties and
/// body (part 3.2). Encode it once when a message is created (for example from MQTT) and keep the bytes.
public struct AMQPBareMessage: Hashable, Sendable {
    public var properties: AMQPProperties?
    /// String keys to simple values; nil when the section is absent.
    public var applicationProperties: AMQPMap?
    public var body: AMQPMessageBody

    public init(
        properties: AMQPProperties? = nil,
        applicationProperties: AMQPMap? = nil,
        body: AMQPMessageBody
    ) {
        self.properties = properties
        self.applicationProperties = applicationProperties
        self.body = body
    }

    /// Writes the bare message sections in spec order.
    public func encode(into buffer: inout ByteBuffer) {
        if let properties = self.properties {
            buffer.writeComposite(properties)
        }
        if let applicationProperties = self.applicationProperties {
            buffer.writeMapSection(descriptorCode: AMQPDescriptor.applicationProperties, applicationProperties)
        }
        buffer.writeAMQPMessageBody(self.body)
    }
}
