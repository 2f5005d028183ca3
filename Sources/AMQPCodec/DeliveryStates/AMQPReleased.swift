import NIOCore

/// The released outcome (part 3.4.4): a composite with no fields.
struct AMQPReleased: AMQPComposite {
    static let descriptorCode = AMQPDescriptor.released
    static let compositeName = "released"

    init() {}

    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws {}

    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter) {}
}
