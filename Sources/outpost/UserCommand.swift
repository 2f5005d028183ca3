import ArgumentParser
import BrokerServer
import Foundation

/// `outpost user add|remove|list`: edits the users file in the data directory.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the users who may connect (AMQP SASL PLAIN, MQTT username/password).",
        subcommands: [Add.self, Remove.self, List.self]
    )

    struct Location: ParsableArguments {
        @Option(name: .long, help: "Data directory (default: $OUTPOST_DATA_DIR, else ./data).")
        var dataDir: String?

        var usersFile: String {
            var configuration = OutpostConfiguration()
            configuration.dataDirectory = resolvedDataDirectory(self.dataDir)
            return configuration.usersFilePath
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user or change a password (the daemon reads users at start).")

        @OptionGroup var location: Location
        @Argument(help: "User name.") var name: String
        @Flag(name: .long, help: "Read the password from standard input instead of prompting.")
        var passwordStdin = false

        func run() throws {
            guard !self.name.isEmpty, !self.name.contains(":") else {
                throw ValidationError("a user name must be non-empty and must not contain ':'")
            }
            let password = try readPassword(fromStandardInput: self.passwordStdin)
            try FileManager.default.createDirectory(atPath: (self.location.usersFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var file = try UsersFile(path: self.location.usersFile)
            try file.set(self.name, password: password)
            try file.save()
            print("user \(self.name) saved in \(self.location.usersFile); restart the daemon to apply")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user.")

        @OptionGroup var location: Location
        @Argument(help: "User name.") var name: String

        func run() throws {
            var file = try UsersFile(path: self.location.usersFile)
            guard file.remove(self.name) else {
                FileHandle.standardError.write(Data("outpost: no user \(self.name) in \(self.location.usersFile)\n".utf8))
                throw ExitCode(1)
            }
            try file.save()
            print("user \(self.name) removed")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users (names only).")

        @OptionGroup var location: Location

        func run() throws {
            let file = try UsersFile(path: self.location.usersFile)
            for name in file.users.keys.sorted() { print(name) }
        }
    }
}

/// Reads a password without echo from the terminal, or one line from standard input.
private func readPassword(fromStandardInput: Bool) throws -> String {
    if fromStandardInput || isatty(STDIN_FILENO) == 0 {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("no password on standard input")
        }
        return line
    }
    guard let first = getpass("Password: ").map({ String(cString: $0) }), !first.isEmpty else {
        throw ValidationError("empty password")
    }
    guard let second = getpass("Again: ").map({ String(cString: $0) }), second == first else {
        throw ValidationError("the passwords differ")
    }
    return first
}
