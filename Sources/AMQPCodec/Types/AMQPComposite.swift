import NIOCore

/// A composite type of the spec: a described list of fields in a fixed order (part 1, section 1.3).
/// Performatives, SASL frames, outcomes, termini and message sections implement it.
protocol AMQPComposite {
    static var descriptorCode: UInt64 { get }
    /// The name the spec gives the type, used in error contexts.
    static var compositeName: String { get }

    /// Decodes the fields in order; absent trailing fields take the spec's defaults.
    init(fields: inout AMQPFieldReader, decoder: inout AMQPDecoder) throws

    /// Writes the fields in order; the list writer drops trailing nulls.
    func encodeFields(into buffer: inout ByteBuffer, list: inout AMQPListWriter)
}

extension ByteBuffer {
    /// Writes a composite value: descriptor, then its field list in the smallest list encoding.
    mutating func writeComposite<Composite: AMQPComposite>(_ composite: Composite) {
        var list = self.beginDescribedList(descriptorCode: Composite.descriptorCode)
        composite.encodeFields(into: &self, list: &list)
        self.endList(list)
    }
}
