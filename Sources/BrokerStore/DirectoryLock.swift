import Atomics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `outpost.lock` in the data directory, held while a store is open,
/// so a second daemon (or an offline export) on the same directory fails at once.
/// The kernel drops the lock when the process dies, so a crash never leaves it stale.
final class DirectoryLock: Sendable {
    /// The locked descriptor, or -1 once released.
    private let descriptor: ManagedAtomic<Int32>

    init(directory: String) throws {
        let path = directory + "/outpost.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError.io("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw StoreError.locked(path: directory)
        }
        self.descriptor = ManagedAtomic(descriptor)
    }

    /// Releases the lock (closing the store releases the directory). Idempotent.
    func release() {
        let descriptor = self.descriptor.exchange(-1, ordering: .acquiringAndReleasing)
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    deinit {
        self.release()
    }
}

/// Creates `path` and its parents (mode 0700) when missing.
func makeDirectory(_ path: String) throws {
    var partial = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        partial += "/" + component
        if mkdir(partial, 0o700) != 0 && errno != EEXIST {
            throw StoreError.io("cannot create directory \(partial): \(String(cString: strerror(errno)))")
        }
    }
}
