import BrokerTestSupport
import Foundation
import Testing

/// Black-box tests of the built `outpost` binary.
@Suite("Daemon", .serialized)
struct DaemonTests {
    /// Listeners are covered by the interop suites; here they would only contend for ports.
    static let noListeners = ["--amqp-port", "0", "--mqtt-port", "0", "--management-port", "0"]

    @Test func runStartsWithDefaultsAndStopsCleanlyOnSIGTERM() throws {
        let directory = try TemporaryDirectory(prefix: "outpost-daemon")
        defer { directory.remove() }
        let daemon = try OutpostProcess.start(["run", "--data-dir", directory.appending("data")] + Self.noListeners, in: directory.path)
        #expect(daemon.waitForOutput(containing: "outpost ready"))
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0)
        #expect(daemon.output.contains("outpost stopped"))
        #expect(FileManager.default.fileExists(atPath: directory.appending("data/data.mdb")))
    }

    @Test func aSecondDaemonOnTheSameDataDirectoryFailsAtOnce() throws {
        let directory = try TemporaryDirectory(prefix: "outpost-daemon")
        defer { directory.remove() }
        let first = try OutpostProcess.start(["run", "--data-dir", directory.appending("data")] + Self.noListeners, in: directory.path)
        defer { first.signal(SIGKILL) }
        #expect(first.waitForOutput(containing: "outpost ready"))
        let second = try OutpostProcess.start(["run", "--data-dir", directory.appending("data")] + Self.noListeners, in: directory.path)
        #expect(second.waitForExit() == 1)
        #expect(second.output.contains("in use by another outpost process"))
    }

    @Test func theDataDirectoryComesFromTheEnvironment() throws {
        let directory = try TemporaryDirectory(prefix: "outpost-daemon")
        defer { directory.remove() }
        let daemon = try OutpostProcess.start(["run"] + Self.noListeners, in: directory.path, environment: ["OUTPOST_DATA_DIR": directory.appending("from-env")])
        #expect(daemon.waitForOutput(containing: "outpost ready"))
        daemon.signal(SIGINT)
        #expect(daemon.waitForExit() == 0)
        #expect(FileManager.default.fileExists(atPath: directory.appending("from-env/data.mdb")))
    }

    @Test func aBadConfigurationNamesTheKeyAndExitsWithUsageError() throws {
        let directory = try TemporaryDirectory(prefix: "outpost-daemon")
        defer { directory.remove() }
        let file = directory.appending("bad.yaml")
        try "store:\n  max-sise: 1GiB\n".write(toFile: file, atomically: true, encoding: .utf8)
        let daemon = try OutpostProcess.start(["run", "--config", file], in: directory.path)
        #expect(daemon.waitForExit() == 2)
        #expect(daemon.output.contains("store.max-sise"))
    }

    @Test func helpListsTheSubcommands() throws {
        let directory = try TemporaryDirectory(prefix: "outpost-daemon")
        defer { directory.remove() }
        let help = try OutpostProcess.start(["--help"], in: directory.path)
        #expect(help.waitForExit() == 0)
        #expect(help.output.contains("run"))
    }
}
