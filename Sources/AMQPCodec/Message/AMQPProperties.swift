import NIOCore

/// The properties section: immutable, application-set message properties (part 3.2.4).
public struct AMQPProperties: Hashable, Sendable {
    /// A ulong, uuid, binary or string.
    public var messageID: AMQPValue?
    public var userID: ByteBuffer?
    public var to: String?
    public var subject: String?
    public var replyTo: String?
    /// A ulong, uuid, binary or string.
    public var correlationID: AMQPValue?
    public var contentType: String?
    public var contentEncoding: String?
    /// Milliseconds since the Unix epoch.
    public var absoluteExpiryTime: Int64?
    /// Milliseconds since the Unix epoch.
    public var creationTime: Int64?
    public var groupID: String?
    public var groupSequence: UInt32?
    public var replyToGroupID: String?

    public init(
        messageID: AMQPValue? = nil,
        userID: ByteBuffer? = nil,
        to: String? = nil,
        subject: String? = nil,
        replyTo: String? = nil,
        correlationID: AMQPValue? = nil,
        contentType: String? = nil,
        contentEncoding: String? = nil,
        absoluteExpiryTime: Int64? = nil,
        creationTime: Int64? = nil,
        groupID: String? = nil,
        groupSequence: UInt32? = nil,
        replyToGroupID: String? = nil
    ) {
        self.messageID = messageID
        self.userID = userID
        self.to = to
        self.subject = subject
        self.replyTo = replyTo
        self.correlationID = correlationID
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.absoluteExpiryTime = absoluteExpiryTime
        self.creationTime = creationTime
        self.groupID = groupID
        self.groupSequence = groupSequence
        self.replyToGroupID = replyToGroupID
    }
}

extension AMQPProperties: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.properties
    static let compositeName = "properties"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.messageID = try decoder.readAnyValue(&fields, "message-id")
        self.userID = try decoder.readBinary(&fields, "user-id")
        self.to = try decoder.readString(&fields, "to")
        self.subject = try decoder.readString(&fields, "subject")
        self.replyTo = try decoder.readString(&fields, "reply-to")
        self.correlationID = try decoder.readAnyValue(&fields, "correlation-id")
        self.contentType = try decoder.readSymbol(&fields, "content-type")
        self.contentEncoding = try decoder.readSymbol(&fields, "content-encoding")
        self.absoluteExpiryTime = try decoder.readTimestamp(&fields, "absolute-expiry-time")
        self.creationTime = try decoder.readTimestamp(&fields, "creation-time")
        self.groupID = try decoder.readString(&fields, "group-id")
        self.groupSequence = try decoder.readUInt32(&fields, "group-sequence")
        self.replyToGroupID = try decoder.readString(&fields, "reply-to-group-id")
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(self.messageID, &list)
        buffer.writeField(self.userID, &list)
        buffer.writeStringField(self.to, &list)
        buffer.writeStringField(self.subject, &list)
        buffer.writeStringField(self.replyTo, &list)
        buffer.writeField(self.correlationID, &list)
        buffer.writeSymbolField(self.contentType, &list)
        buffer.writeSymbolField(self.contentEncoding, &list)
        buffer.writeTimestampField(self.absoluteExpiryTime, &list)
        buffer.writeTimestampField(self.creationTime, &list)
        buffer.writeStringField(self.groupID, &list)
        buffer.writeField(self.groupSequence, &list)
        buffer.writeStringField(self.replyToGroupID, &list)
    }
}
