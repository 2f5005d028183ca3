import Foundation

/// The lines of a file, read in chunks (memory stays flat for big archives).
struct FileLines: Sequence {
    let handle: FileHandle

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CLIError.failed("cannot read \(path): no such file or permission denied")
        }
        self.handle = handle
    }

    func makeIterator() -> Iterator { Iterator(handle: self.handle) }

    struct Iterator: IteratorProtocol {
        let handle: FileHandle
        var buffer: [UInt8] = []
        var start = 0
        var atEnd = false

        mutating func next() -> Substring? {
            while true {
                if let newline = self.buffer[self.start...].firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: self.buffer[self.start..<newline], as: UTF8.self)
                    self.start = newline + 1
                    return line[...]
                }
                if self.atEnd {
                    guard self.start < self.buffer.count else { return nil }
                    let line = String(decoding: self.buffer[self.start...], as: UTF8.self)
                    self.start = self.buffer.count
                    return line[...]
                }
                let chunk = self.handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty {
                    self.atEnd = true
                } else {
                    self.buffer.removeFirst(self.start)
                    self.start = 0
                    self.buffer.append(contentsOf: chunk)
                }
            }
        }
    }
}
