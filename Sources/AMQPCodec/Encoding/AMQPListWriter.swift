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
        let headerIndex = self.writerIndex
        self.writeRepeatingByte(0, count: AMQPListWriter.reservedHeaderSize)
        return AMQPListWriter(headerIndex: headerIndex, dropsTrailingNulls: dropsTrailingNulls)
    }

    mutating func beginDescribedList(descriptorCode: UInt64) -> AMQPListWriter {
        self.writeDescriptor(descriptorCode)
        return self.beginList(dropsTrailingNulls: true)
    }

    mutating func writeDescriptor(_ code: UInt64) {
        self.writeInteger(AMQPFormatCode.described)
        self.writeULong(code)
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
    mutating func compactCompoundHeader(headerIndex: Int, bodyEnd: Int, count: Int, narrowCode: UInt8, wideCode: UInt8) {
        let bodyIndex = headerIndex + AMQPListWriter.reservedHeaderSize
        let bodyLength = bodyEnd - bodyIndex
        if bodyLength + 1 <= Int(UInt8.max) && count <= Int(UInt8.max) {
            self.setInteger(narrowCode, at: headerIndex)
            self.setInteger(UInt8(truncatingIfNeeded: bodyLength + 1), at: headerIndex + 1)
            self.setInteger(UInt8(truncatingIfNeeded: count), at: headerIndex + 2)
            // The ranges are inside the written bytes, so the copy cannot fail.
            _ = try? self.copyBytes(at: bodyIndex, to: headerIndex + 3, length: bodyLength)
            self.moveWriterIndex(to: headerIndex + 3 + bodyLength)
        } else {
            self.setInteger(wideCode, at: headerIndex)
            self.setInteger(UInt32(truncatingIfNeeded: bodyLength + 4), at: headerIndex + 1)
            self.setInteger(UInt32(truncatingIfNeeded: count), at: headerIndex + 5)
            self.moveWriterIndex(to: bodyEnd)
        }
    }
}
