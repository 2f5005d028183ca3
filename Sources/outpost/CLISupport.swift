import ArgumentParser
import BrokerManagement
import Foundation

/// An operator command failed (exit 1) or was used wrongly (exit 2); the message says what to do.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32
    /// The HTTP status when the API refused.
    var status: Int?

    static func failed(_ message: String, status: Int? = nil) -> CLIError {
        CLIError(description: message, exitCode: 1, status: status)
    }

    static func usage(_ message: String) -> CLIError { CLIError(description: message, exitCode: 2) }
}

/// The data directory an operator command works on: the option, else $OUTPOST_DATA_DIR,
/// else ./data (the daemon's own default).
func resolvedDataDirectory(_ option: String?) -> String {
    option ?? ProcessInfo.processInfo.environment["OUTPOST_DATA_DIR"] ?? "./data"
}

/// Options every command that talks to a running daemon takes.
struct ManagementOptions: ParsableArguments {
    @Option(name: .long, help: "Management API of the daemon (default: $OUTPOST_URL, else http://127.0.0.1:8161).")
    var url: String?

    @Option(name: .long, help: "Management token (default: $OUTPOST_TOKEN, else read from <data-dir>/management.token).")
    var token: String?

    @Option(name: .long, help: "Data directory of the daemon, to read its token (default: $OUTPOST_DATA_DIR, else ./data).")
    var dataDir: String?

    @Flag(name: .long, help: "Print JSON for scripts instead of tables.")
    var json = false

    var resolvedURL: String {
        self.url ?? ProcessInfo.processInfo.environment["OUTPOST_URL"] ?? "http://127.0.0.1:8161"
    }

    func client() throws -> ManagementClient {
        try ManagementClient(url: self.resolvedURL, token: try self.resolvedToken())
    }

    func resolvedToken() throws -> String {
        if let token = self.token ?? ProcessInfo.processInfo.environment["OUTPOST_TOKEN"], !token.isEmpty { return token }
        let path = ManagementToken.path(inDataDirectory: resolvedDataDirectory(self.dataDir))
        do {
            if let token = try ManagementToken.read(path: path) { return token }
        } catch {
            throw CLIError.failed("\(error)")
        }
        throw CLIError.failed(
            "no management token at \(path): pass --data-dir of the daemon (it writes management.token there at first start) or --token"
        )
    }
}

/// Runs an operator command, printing a `CLIError` and exiting with its code.
func runOperation(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        printError(error.description)
        throw ExitCode(error.exitCode)
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("\(error)")
        throw ExitCode(1)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("outpost: \(message)\n".utf8))
}

/// Pretty JSON for `--json`.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// A table with a header row, columns padded to their widest cell.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count {
            widths[index] = max(widths[index], cell.count)
        }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
}

func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

func formatAge(_ seconds: Double?) -> String {
    guard let seconds else { return "-" }
    switch seconds {
    case ..<60: return String(format: "%.0fs", seconds)
    case ..<3600: return String(format: "%.0fm", seconds / 60)
    case ..<86400: return String(format: "%.1fh", seconds / 3600)
    default: return String(format: "%.1fd", seconds / 86400)
    }
}

func formatTime(_ milliseconds: Int64?) -> String {
    guard let milliseconds else { return "-" }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}

func formatRate(_ rate: Double) -> String {
    rate == 0 ? "0" : String(format: rate < 10 ? "%.1f" : "%.0f", rate)
}
