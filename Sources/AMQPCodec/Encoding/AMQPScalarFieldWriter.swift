import NIOCore

/// Writes the fields of a composite made only of scalars and short binaries straight into the buffer's
/// memory. Every `ByteBuffer` call carries bounds and exclusivity checks that cost more than the bytes
/// themselves, so the hot performatives (transfer, disposition, flow) reserve their maximum size once and
/// store bytes directly. Field order and null trimming follow `AMQPListWriter`.
struct AMQPScalarFieldWriter {
    private let base: UnsafeMutableRawBufferPointer
    /// Where the next field goes.
    private var index: Int
    private let bodyStart: Int
    private var count = 0
    private var countWithoutTrailingNulls = 0
    private var endWithoutTrailingNulls: Int

    /// Room for descriptor (3 bytes) and list8 header (3 bytes) before the fields.
    static let prefixSize = 6

    fileprivate init(base: UnsafeMutableRawBufferPointer) {
        self.base = base
        self.index = Self.prefixSize
        self.bodyStart = Self.prefixSize
        self.endWithoutTrailingNulls = Self.prefixSize
    }

    private mutating func store(_ byte: UInt8) {
        self.base[self.index] = byte
        self.index += 1
    }

    private mutating func store<Integer: FixedWidthInteger>(bigEndian value: Integer) {
        withUnsafeBytes(of: value.bigEndian) { bytes in
            for byte in bytes {
                self.store(byte)
            }
        }
    }

    private mutating func fieldWritten() {
        self.count += 1
        self.countWithoutTrailingNulls = self.count
        self.endWithoutTrailingNulls = self.index
    }

    mutating func writeNull() {
        self.store(AMQPFormatCode.null)
        self.count += 1
    }

    mutating func write(_ value: Bool?) {
        guard let value else { return self.writeNull() }
        self.store(value ? AMQPFormatCode.booleanTrue : AMQPFormatCode.booleanFalse)
        self.fieldWritten()
    }

    mutating func write(_ value: Bool, default defaultValue: Bool) {
        self.write(value == defaultValue ? nil : value)
    }

    mutating func write(_ value: UInt32?) {
        guard let value else { return self.writeNull() }
        if value == 0 {
            self.store(AMQPFormatCode.uint0)
        } else if let small = UInt8(exactly: value) {
            self.store(AMQPFormatCode.smallUInt)
            self.store(small)
        } else {
            self.store(AMQPFormatCode.uint)
            self.store(bigEndian: value)
        }
        self.fieldWritten()
    }

    mutating func write(_ value: UInt8?) {
        guard let value else { return self.writeNull() }
        self.store(AMQPFormatCode.ubyte)
        self.store(value)
        self.fieldWritten()
    }

    mutating func write(_ value: ByteBuffer?) {
        guard let value else { return self.writeNull() }
        let length = value.readableBytes
        if length <= Int(UInt8.max) {
            self.store(AMQPFormatCode.binary8)
            self.store(UInt8(truncatingIfNeeded: length))
        } else {
            self.store(AMQPFormatCode.binary32)
            self.store(bigEndian: UInt32(truncatingIfNeeded: length))
        }
        value.withUnsafeReadableBytes { bytes in
            UnsafeMutableRawBufferPointer(rebasing: self.base[self.index..<(self.index + length)]).copyMemory(
                from: bytes
            )
        }
        self.index += length
        self.fieldWritten()
    }

    /// Writes one of the field-less outcomes as its constant encoding.
    mutating func writeSimpleOutcome(descriptorCode: UInt64) {
        self.store(AMQPFormatCode.described)
        self.store(AMQPFormatCode.smallULong)
        self.store(UInt8(truncatingIfNeeded: descriptorCode))
        self.store(AMQPFormatCode.list0)
        self.fieldWritten()
    }

    /// Writes descriptor and the smallest list header in front of the fields and returns the total size.
    fileprivate mutating func finish(descriptorCode: UInt8) -> Int {
        let bodyLength = self.endWithoutTrailingNulls - self.bodyStart
        let count = self.countWithoutTrailingNulls
        var start: Int
        if count == 0 {
            start = Self.prefixSize - 1
            self.base[start] = AMQPFormatCode.list0
        } else if bodyLength + 1 <= Int(UInt8.max) {
            start = Self.prefixSize - 3
            self.base[start] = AMQPFormatCode.list8
            self.base[start + 1] = UInt8(truncatingIfNeeded: bodyLength + 1)
            self.base[start + 2] = UInt8(truncatingIfNeeded: count)
        } else {
            // Rare (a delivery tag over ~230 bytes): make room for the list32 header.
            self.moveBytes(from: self.bodyStart, to: self.bodyStart + 6, count: bodyLength)
            start = Self.prefixSize - 3
            self.base[start] = AMQPFormatCode.list32
            self.index = start + 1
            self.store(bigEndian: UInt32(truncatingIfNeeded: bodyLength + 4))
            self.store(bigEndian: UInt32(truncatingIfNeeded: count))
            self.endWithoutTrailingNulls = self.index + bodyLength
        }
        start -= 3
        self.base[start] = AMQPFormatCode.described
        self.base[start + 1] = AMQPFormatCode.smallULong
        self.base[start + 2] = descriptorCode
        // Move everything to the front of the reserved region.
        let length = self.endWithoutTrailingNulls - start
        self.moveBytes(from: start, to: 0, count: length)
        return length
    }

    /// Copies bytes within the region; the ranges may overlap.
    private func moveBytes(from source: Int, to destination: Int, count: Int) {
        if destination < source {
            for offset in 0..<count {
                self.base[destination + offset] = self.base[source + offset]
            }
        } else if destination > source {
            for offset in (0..<count).reversed() {
                self.base[destination + offset] = self.base[source + offset]
            }
        }
    }
}

extension ByteBuffer {
    /// Writes a scalar composite whose encoding is at most `maximumFieldBytes` long after its list header.
    mutating func writeScalarComposite(
        descriptorCode: UInt8,
        maximumFieldBytes: Int,
        _ body: (inout AMQPScalarFieldWriter) -> Void
    ) {
        // Room for the prefix plus 6 more for a list32 header.
        let capacity = AMQPScalarFieldWriter.prefixSize + 6 + maximumFieldBytes
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { pointer in
            var writer = AMQPScalarFieldWriter(base: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<capacity]))
            body(&writer)
            return writer.finish(descriptorCode: descriptorCode)
        }
    }
}
