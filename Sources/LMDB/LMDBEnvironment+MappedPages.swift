import CLMDB

#if canImport(Glibc)
import Glibc

extension LMDBEnvironment {
    /// Drops the pages of the read-only memory map from this process's page tables (they stay
    /// in the kernel's page cache). A later read faults them back in from the cache with the
    /// same contents, so this is safe while readers run; the map must not be resized meanwhile
    /// (hold whatever lock guards `setMapSize`). Without `MDB_WRITEMAP` (which this wrapper does
    /// not offer) LMDB writes through `pwrite`, so the map holds no data of its own.
    public func releaseMappedPages() {
        guard let (address, length) = self.mappedRange() else { return }
        _ = madvise(address, length, MADV_DONTNEED)
    }

    /// Where the data file is mapped. LMDB does not say (`me_mapaddr` is only set for a fixed
    /// map), so the mapping of the file's inode is looked up in /proc/self/maps.
    private func mappedRange() -> (UnsafeMutableRawPointer, Int)? {
        var descriptor: mdb_filehandle_t = -1
        guard mdb_env_get_fd(self.pointer, &descriptor) == 0, descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        return ProcessMaps.sharedMapping(ofInode: UInt64(status.st_ino))
    }
}

/// Reads /proc/self/maps (lines: `start-end perms offset dev inode path`).
enum ProcessMaps {
    static func sharedMapping(ofInode inode: UInt64) -> (UnsafeMutableRawPointer, Int)? {
        guard let text = Self.contents() else { return nil }
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[1].last == UInt8(ascii: "s"),
                UInt64(String(decoding: fields[4], as: UTF8.self)) == inode
            else { continue }
            let bounds = fields[0].split(separator: UInt8(ascii: "-"))
            guard bounds.count == 2,
                let start = UInt(String(decoding: bounds[0], as: UTF8.self), radix: 16),
                let end = UInt(String(decoding: bounds[1], as: UTF8.self), radix: 16), end > start,
                let address = UnsafeMutableRawPointer(bitPattern: start)
            else { continue }
            return (address, Int(end - start))
        }
        return nil
    }

    private static func contents() -> [UInt8]? {
        let descriptor = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}
#else
extension LMDBEnvironment {
    /// Not available here: the map stays as the kernel manages it.
    public func releaseMappedPages() {}
}
#endif
