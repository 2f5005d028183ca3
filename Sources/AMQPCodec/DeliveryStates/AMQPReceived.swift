import NIOCore

/// How much of a message the receiver has, for resuming a delivery (part 3.4.1).
public struct AMQPReceived: Hashable, Sendable {
    public var sectionNumber: UInt32
    public var sectionOffset: UInt64

    public init(sectionNumber: UInt32, sectionOffset: UInt64) {
        self.sectionNumber = sectionNumber
        self.sectionOffset = sectionOffset
    }
}

extension AMQPReceived: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.received
    static let compositeName = "received"

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {
        self.sectionNumber = try decoder.mandatory(
            decoder.readUInt32(&fields, "section-number"),
            "section-number",
            in: fields
        )
        self.sectionOffset = try decoder.mandatory(
            decoder.readUnsigned(&fields, "section-offset"),
            "section-offset",
            in: fields
        )
    }

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {
        buffer.writeField(Optional(self.sectionNumber), &list)
        buffer.writeField(Optional(self.sectionOffset), &list)
    }
}
