import Foundation

/// A unique, freshly created directory under the system temporary directory, for a
/// test's data (a store, an LMDB environment, a configuration file).
///
/// Create one per test and remove it when the test ends, most simply with
/// `withTemporaryDirectory(prefix:_:)`.
public struct TemporaryDirectory: Sendable {
    /// The absolute path of the directory.
    public let path: String

    /// Creates a new empty directory named `<prefix>.XXXXXX` (mode 0700) under `$TMPDIR` or `/tmp`.
    public init(prefix: String = "outpost-test") throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base.hasSuffix("/") ? String(base.dropLast()) : base)/\(prefix).XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            mkdtemp(buffer.baseAddress!)
        }
        guard created != nil else {
            throw TemporaryDirectoryError(message: "mkdtemp in \(base) failed: \(String(cString: strerror(errno)))")
        }
        self.path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The path of `component` inside the directory.
    public func appending(_ component: String) -> String {
        self.path + "/" + component
    }

    /// Removes the directory and everything in it. Errors are ignored: a test must not
    /// fail because cleaning up did.
    public func remove() {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

public struct TemporaryDirectoryError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { self.message }
}

/// Runs `body` with a new temporary directory and removes it afterwards, also when `body` throws.
public func withTemporaryDirectory<Result>(
    prefix: String = "outpost-test",
    _ body: (TemporaryDirectory) throws -> Result
) throws -> Result {
    let directory = try TemporaryDirectory(prefix: prefix)
    defer { directory.remove() }
    return try body(directory)
}

/// Runs `body` with a new temporary directory and removes it afterwards, also when `body` throws.
public func withTemporaryDirectory<Result>(
    prefix: String = "outpost-test",
    isolation: isolated (any Actor)? = #isolation,
    _ body: (TemporaryDirectory) async throws -> Result
) async throws -> Result {
    let directory = try TemporaryDirectory(prefix: prefix)
    defer { directory.remove() }
    return try await body(directory)
}
