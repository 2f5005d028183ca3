import NIOCore

/// The accepted outcome (part 3.4.2): a composite with no fields.
struct AMQPAccepted: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.accepted
    static let compositeName = "accepted"

    init() {}

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {}

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {}
}
