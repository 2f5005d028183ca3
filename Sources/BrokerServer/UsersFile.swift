import BrokerCore
import Foundation
import Yams

/// The users file (`<data-dir>/users.yaml`, mode 0600): a YAML mapping from user name
/// to password hash, edited by `outpost user add|remove`.
public struct UsersFile: Sendable {
    public let path: String
    public private(set) var users: [String: PasswordHash]

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            self.users = [:]
            return
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(key: "", problem: "cannot read the users file \(path)")
        }
        let raw = try YAMLDecoder().decode([String: String].self, from: text.isEmpty ? "{}" : text)
        var users: [String: PasswordHash] = [:]
        for (name, encoded) in raw {
            guard let hash = PasswordHash(encoded: encoded) else {
                throw ConfigurationError(key: name, problem: "the users file \(path) has no valid password hash for this user")
            }
            users[name] = hash
        }
        self.users = users
    }

    public mutating func set(_ name: String, password: String) throws {
        self.users[name] = try PasswordHash(hashing: password)
    }

    @discardableResult
    public mutating func remove(_ name: String) -> Bool {
        self.users.removeValue(forKey: name) != nil
    }

    /// Writes the file atomically with mode 0600.
    public func save() throws {
        let lines = self.users.keys.sorted().map { "\($0): \"\(self.users[$0]!.description)\"" }
        let text = "# Outpost users: name -> PBKDF2-SHA256 password hash. Edit with `outpost user`.\n" + lines.joined(separator: "\n") + "\n"
        let temporary = self.path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError(key: "", problem: "cannot write \(temporary)")
        }
        guard rename(temporary, self.path) == 0 else {
            throw ConfigurationError(key: "", problem: "cannot replace \(self.path): \(String(cString: strerror(errno)))")
        }
    }
}
