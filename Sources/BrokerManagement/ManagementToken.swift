#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The bearer token that guards `/api/v1`: 32 random bytes as 64 hex digits in
/// `<data-dir>/management.token`, mode 0600, created at the daemon's first start.
public enum ManagementToken {
    public static let fileName = "management.token"

    public static func path(inDataDirectory directory: String) -> String {
        (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/" + self.fileName
    }

    /// Reads the token of `directory`, creating it (mode 0600, exclusively) when there is none.
    public static func loadOrCreate(inDataDirectory directory: String) throws -> String {
        let path = self.path(inDataDirectory: directory)
        if let existing = try self.read(path: path) { return existing }
        let token = self.generate()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            // Another process created it between the read and the open: use theirs.
            if errno == EEXIST, let existing = try self.read(path: path) { return existing }
            throw ManagementTokenError(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let line = Array((token + "\n").utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            throw ManagementTokenError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        // An umask cannot widen 0600, but make the mode explicit whatever created the file.
        fchmod(descriptor, 0o600)
        return token
    }

    /// The token in `path`, nil when the file does not exist.
    public static func read(path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ManagementTokenError(description: "cannot read \(path) (permission denied? run as the user of the daemon, or pass --token)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw ManagementTokenError(description: "\(path) is empty; remove it and restart the daemon to create a new token")
        }
        return token
    }

    /// 32 bytes from the system's random source, as lowercase hex.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Compares in time independent of where the strings differ.
    static func matches(_ candidate: Substring, _ token: String) -> Bool {
        let left = Array(candidate.utf8)
        let right = Array(token.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

public struct ManagementTokenError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
