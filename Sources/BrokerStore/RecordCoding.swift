/// Minimal big-endian writer/reader for the store's small metadata records
/// (queues, addresses). Message values use their own fixed layout instead.
struct RecordWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write(_ value: UInt8) { self.bytes.append(value) }

    mutating func write(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { self.bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { self.bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: String) {
        let utf8 = Array(value.utf8)
        self.write(UInt32(utf8.count))
        self.bytes.append(contentsOf: utf8)
    }
}

struct RecordReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0
    private let what: String

    init(_ bytes: UnsafeRawBufferPointer, what: String) {
        self.bytes = bytes
        self.what = what
    }

    private mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, self.bytes.count - self.offset >= count else {
            throw StoreError.corrupted("\(self.what): record ends at byte \(self.bytes.count), needed \(self.offset + count)")
        }
        defer { self.offset += count }
        return UnsafeRawBufferPointer(rebasing: self.bytes[self.offset..<self.offset + count])
    }

    mutating func readUInt8() throws -> UInt8 { try self.take(1)[0] }

    mutating func readUInt32() throws -> UInt32 {
        UInt32(bigEndian: try self.take(4).loadUnaligned(as: UInt32.self))
    }

    mutating func readUInt64() throws -> UInt64 {
        UInt64(bigEndian: try self.take(8).loadUnaligned(as: UInt64.self))
    }

    mutating func readString() throws -> String {
        let count = Int(try self.readUInt32())
        return String(decoding: try self.take(count), as: UTF8.self)
    }
}
