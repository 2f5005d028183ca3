import NIOConcurrencyHelpers

/// The users allowed to connect and their password hashes, shared by every protocol
/// (AMQP SASL PLAIN, MQTT username/password).
public final class UserDirectory: Sendable {
    private let users: [String: PasswordHash]
    /// Successful (user, password) checks, so a reconnecting client does not pay the
    /// deliberate PBKDF2 cost again. Keyed by a SHA-256 of the password, never the password.
    private let verified = NIOLockedValueBox<Set<[UInt8]>>([])

    public init(users: [String: PasswordHash] = [:]) {
        self.users = users
    }

    public var isEmpty: Bool { self.users.isEmpty }
    public var names: [String] { self.users.keys.sorted() }

    /// Whether `username` exists and `password` is its password.
    public func authenticate(username: String, password: String) -> Bool {
        guard let hash = self.users[username] else { return false }
        let cacheKey = Self.cacheKey(username: username, password: password, hash: hash)
        if self.verified.withLockedValue({ $0.contains(cacheKey) }) { return true }
        guard hash.verify(password) else { return false }
        self.verified.withLockedValue { _ = $0.insert(cacheKey) }
        return true
    }

    private static func cacheKey(username: String, password: String, hash: PasswordHash) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(username.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(password.utf8))
        hasher.update(data: hash.salt)
        return Array(hasher.finalize())
    }
}

import Crypto
