import NIOCore

/// State of a list (or map, or array) being written. The header is reserved at its widest (constructor,
/// 4-byte size, 4-byte count) and compacted to the smallest encoding once the size is known, which keeps
/// encoding single-pass.
struct AMQPListWriter {
    /// Index of the reserved constructor byte.
    let headerIndex: Int
    /// Composite field lists drop trailing nulls; plain lists keep every element.
    let dropsTrailingNulls: Bool
    private(set) var count: Int = 0
    private(set) var countWithoutTrailingNulls: Int = 0
    private(set) var endWithoutTrailingNulls: Int

    static let reservedHeaderSize = 9

    init(headerIndex: Int, dropsTrailingNulls: Bool) {
        self.headerIndex = headerIndex
        self.dropsTrailingNulls = dropsTrailingNulls
        self.endWithoutTrailingNulls = headerIndex + Self.reservedHeaderSize
    }

    var bodyIndex: Int { self.headerIndex + Self.reservedHeaderSize }

    mutating func elementWritten(isNull: Bool, endIndex: Int) {
        self.count += 1
        if !isNull {
            self.countWithoutTrailingNulls = self.count
            self.endWithoutTrailingNulls = endIndex
        }
    }
}

extension ByteBuffer {
    mutating func beginList(dropsTrailingNulls: Bool = false) -> AMQPListWriter {
        AMQPListWriter(headerIndex: self.reserveCompoundHeader(), dropsTrailingNulls: dropsTrailingNulls)
    }

    /// Reserves the widest compound header (constructor, size32, count32) in one write; returns its index.
    mutating func reserveCompoundHeader() -> Int {
        let headerIndex = self.writerIndex
        self.writeMultipleIntegers(UInt8(0), UInt64(0))
        return headerIndex
    }

    mutating func beginDescribedList(descriptorCode: UInt64) -> AMQPListWriter {
        self.writeDescriptor(descriptorCode)
        return self.beginList(dropsTrailingNulls: true)
    }

    mutating func writeDescriptor(_ code: UInt64) {
        if code <= UInt8.max {
            // 0x00 0x53 code: the common case of a small numeric descriptor, in one write.
            self.writeMultipleIntegers(
                UInt16(AMQPFormatCode.described) << 8 | UInt16(AMQPFormatCode.smallULong),
                UInt8(truncatingIfNeeded: code)
            )
        } else {
            self.writeInteger(AMQPFormatCode.described)
            self.writeULong(code)
        }
    }

    /// Finishes a list as list0, list8 or list32, whichever is smallest.
    mutating func endList(_ list: AMQPListWriter) {
        let count = list.dropsTrailingNulls ? list.countWithoutTrailingNulls : list.count
        let bodyEnd = list.dropsTrailingNulls ? list.endWithoutTrailingNulls : self.writerIndex
        if count == 0 {
            self.setInteger(AMQPFormatCode.list0, at: list.headerIndex)
            self.moveWriterIndex(to: list.headerIndex + 1)
            return
        }
        self.compactCompoundHeader(
            headerIndex: list.headerIndex,
            bodyEnd: bodyEnd,
            count: count,
            narrowCode: AMQPFormatCode.list8,
            wideCode: AMQPFormatCode.list32
        )
    }

    /// Rewrites a reserved 9-byte header as the 8-bit form when size and count fit, moving the body back.
    mutating func compactCompoundHeader(headerIndex: Int, bodyEnd: Int, count: Int, narrowCode: UInt8, wideCode: UInt8)
    {
        let bodyIndex = headerIndex + AMQPListWriter.reservedHeaderSize
        let bodyLength = bodyEnd - bodyIndex
        if bodyLength + 1 <= Int(UInt8.max) && count <= Int(UInt8.max) {
            // One 4-byte write for constructor, size and count; its fourth byte is overwritten by the
            // body copy (a non-empty list has at least one body byte) or dropped with the writer index.
            let header =
                UInt32(narrowCode) << 24 | UInt32(truncatingIfNeeded: bodyLength + 1) << 16
                | UInt32(truncatingIfNeeded: count) << 8
            self.setInteger(header, at: headerIndex)
            // The ranges are inside the written bytes, so the copy cannot fail.
            _ = try? self.copyBytes(at: bodyIndex, to: headerIndex + 3, length: bodyLength)
            self.moveWriterIndex(to: headerIndex + 3 + bodyLength)
        } else {
            self.setInteger(wideCode, at: headerIndex)
            let sizeAndCount = UInt64(truncatingIfNeeded: bodyLength + 4) << 32 | UInt64(truncatingIfNeeded: count)
            self.setInteger(sizeAndCount, at: headerIndex + 1)
            self.moveWriterIndex(to: bodyEnd)
        }
    }
}
