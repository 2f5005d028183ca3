#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An output file written with plain system calls, so the caller knows when bytes are
/// on disk (`sync`) and can cut off a batch that must not stay (`truncate`).
/// Used by `drain` and `data export`; "-" means standard output (no sync, no truncate).
public final class DurableFile {
    public let path: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    /// Bytes in the file (where the next write lands).
    public private(set) var size: Int64

    /// Opens `path` for appending, creating it (mode 0644) when missing.
    public init(appendingTo path: String) throws {
        self.path = path
        if path == "-" {
            self.descriptor = STDOUT_FILENO
            self.ownsDescriptor = false
            self.size = 0
            return
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DurableFileError(path: path, operation: "open", code: errno) }
        self.descriptor = descriptor
        self.ownsDescriptor = true
        self.size = Int64(lseek(descriptor, 0, SEEK_END))
    }

    public var isStandardOutput: Bool { !self.ownsDescriptor }

    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                systemWrite(self.descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw DurableFileError(path: self.path, operation: "write", code: errno)
            }
            offset += written
            self.size += Int64(written)
        }
    }

    /// Forces what was written to the disk.
    public func sync() throws {
        guard self.ownsDescriptor else { return }
        guard fsync(self.descriptor) == 0 else { throw DurableFileError(path: self.path, operation: "fsync", code: errno) }
    }

    /// Cuts the file back to `size` bytes (removing a batch that was not acknowledged).
    public func truncate(to size: Int64) throws {
        guard self.ownsDescriptor else { return }
        guard ftruncate(self.descriptor, off_t(size)) == 0 else {
            throw DurableFileError(path: self.path, operation: "truncate", code: errno)
        }
        self.size = size
    }

    deinit {
        if self.ownsDescriptor { close(self.descriptor) }
    }
}

public struct DurableFileError: Error, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let code: Int32

    public var description: String {
        let reason = String(cString: strerror(self.code))
        let hint = self.code == ENOSPC ? " (the disk is full: free space or write elsewhere; what is in the file is safe)" : ""
        return "cannot \(self.operation) \(self.path): \(reason)\(hint)"
    }
}

private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
