import Crypto
import _CryptoExtras

/// A salted PBKDF2-SHA256 password hash, as written in the users file:
/// `pbkdf2-sha256$<rounds>$<salt, base64>$<hash, base64>`. Passwords are never kept in clear.
public struct PasswordHash: Sendable, Hashable, CustomStringConvertible {
    public let rounds: Int
    public let salt: [UInt8]
    public let hash: [UInt8]

    static let scheme = "pbkdf2-sha256"
    /// OWASP's minimum for PBKDF2-SHA256 (and swift-crypto's floor).
    public static let defaultRounds = 210_000

    /// Hashes `password` with a fresh random salt.
    public init(hashing password: String, rounds: Int = PasswordHash.defaultRounds) throws {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: .min ... .max, using: &generator) }
        self.rounds = rounds
        self.salt = salt
        self.hash = try Self.derive(password, salt: salt, rounds: rounds)
    }

    /// Parses the users-file form; nil when it is not one.
    public init?(encoded: String) {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.scheme, let rounds = Int(parts[1]), rounds >= Self.defaultRounds,
            let salt = Base64.decode(String(parts[2])), let hash = Base64.decode(String(parts[3])), hash.count == 32
        else { return nil }
        self.rounds = rounds
        self.salt = salt
        self.hash = hash
    }

    public var description: String {
        "\(Self.scheme)$\(self.rounds)$\(Base64.encode(self.salt))$\(Base64.encode(self.hash))"
    }

    /// Whether `password` produces this hash (compared in constant time).
    public func verify(_ password: String) -> Bool {
        guard let candidate = try? Self.derive(password, salt: self.salt, rounds: self.rounds) else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(candidate, self.hash) { difference |= left ^ right }
        return difference == 0 && candidate.count == self.hash.count
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8),
            salt: salt,
            using: .sha256,
            outputByteCount: 32,
            rounds: rounds
        )
        return key.withUnsafeBytes { Array($0) }
    }
}

/// Standard base64 without Foundation.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for position in 0..<4 {
                if position <= chunk.count {
                    output.append(self.alphabet[Int((value >> (18 - 6 * UInt32(position))) & 0x3F)])
                } else {
                    output.append(UInt8(ascii: "="))
                }
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var lookup = [UInt8: UInt32]()
        for (index, character) in self.alphabet.enumerated() { lookup[character] = UInt32(index) }
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        var index = 0
        while index < characters.count {
            var value: UInt32 = 0
            var padding = 0
            for offset in 0..<4 {
                let character = characters[index + offset]
                if character == UInt8(ascii: "=") {
                    padding += 1
                    value <<= 6
                } else {
                    guard padding == 0, let digit = lookup[character] else { return nil }
                    value = value << 6 | digit
                }
            }
            output.append(UInt8(value >> 16 & 0xFF))
            if padding < 2 { output.append(UInt8(value >> 8 & 0xFF)) }
            if padding < 1 { output.append(UInt8(value & 0xFF)) }
            index += 4
        }
        return output
    }
}
