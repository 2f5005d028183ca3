import BrokerCore
import Testing

@Suite("Users")
struct UserDirectoryTests {
    @Test func hashesVerifyTheirPasswordOnly() throws {
        let hash = try PasswordHash(hashing: "correct horse")
        #expect(hash.verify("correct horse"))
        #expect(!hash.verify("correct hors"))
        #expect(!hash.verify(""))
        let reparsed = try #require(PasswordHash(encoded: hash.description))
        #expect(reparsed == hash)
        #expect(reparsed.verify("correct horse"))
        #expect(!hash.description.contains("correct"))
    }

    @Test func twoHashesOfOnePasswordDiffer() throws {
        #expect(try PasswordHash(hashing: "x") != PasswordHash(hashing: "x"))
    }

    @Test(arguments: ["", "plain", "pbkdf2-sha256$1000$AAAA$AAAA", "md5$210000$AAAA$AAAA", "pbkdf2-sha256$210000$!!$AAAA"])
    func malformedHashesAreRejected(encoded: String) {
        #expect(PasswordHash(encoded: encoded) == nil)
    }

    @Test func directoryAuthenticates() throws {
        let users = UserDirectory(users: ["alice": try PasswordHash(hashing: "secret")])
        #expect(users.authenticate(username: "alice", password: "secret"))
        #expect(users.authenticate(username: "alice", password: "secret"))
        #expect(!users.authenticate(username: "alice", password: "Secret"))
        #expect(!users.authenticate(username: "bob", password: "secret"))
        #expect(users.names == ["alice"])
    }
}
