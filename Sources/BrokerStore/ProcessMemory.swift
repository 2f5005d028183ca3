#if canImport(Glibc)
import Glibc
#endif

/// The process's resident memory as the kernel counts it (`/proc/self/statm`), read into a
/// stack buffer: cheap enough to look at many times a second.
public struct ProcessMemory: Sendable, Equatable {
    /// Resident pages in bytes (the second field).
    public var resident: Int
    /// Resident file-backed and shared pages in bytes (the third field): code, mapped files.
    public var residentShared: Int

    /// Resident anonymous memory: the heaps, stacks and anonymous maps.
    public var residentAnonymous: Int { max(0, self.resident - self.residentShared) }

    public init(resident: Int, residentShared: Int) {
        self.resident = resident
        self.residentShared = residentShared
    }

    /// Nil where there is no such file (not Linux) or it does not read as expected.
    public static func current() -> ProcessMemory? {
        #if os(Linux)
        let descriptor = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buffer -> ProcessMemory? in
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            guard count > 0 else { return nil }
            return Self(statm: UnsafeRawBufferPointer(start: buffer.baseAddress, count: count), pageSize: Int(sysconf(Int32(_SC_PAGESIZE))))
        }
        #else
        return nil
        #endif
    }

    /// Parses the text of `/proc/<pid>/statm`: "size resident shared text lib data dt", in pages.
    init?(statm text: UnsafeRawBufferPointer, pageSize: Int) {
        let fields = text.split(separator: UInt8(ascii: " "), maxSplits: 3)
        guard fields.count >= 3, let resident = Self.number(fields[1]), let shared = Self.number(fields[2]) else { return nil }
        self.init(resident: resident &* pageSize, residentShared: shared &* pageSize)
    }

    private static func number(_ digits: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value &* 10 &+ Int(digit &- UInt8(ascii: "0"))
        }
        return value
    }
}
