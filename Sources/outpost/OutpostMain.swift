import ArgumentParser
import Foundation

extension Outpost {
    /// As ArgumentParser's own `main`, except that usage errors exit with 2 (not 64), so
    /// every subcommand keeps one convention: 0 ok, 1 operation failed, 2 usage.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if self.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((self.fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            self.exit(withError: error)
        }
    }
}
