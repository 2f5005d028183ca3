import Foundation
import NIOConcurrencyHelpers

/// The built `outpost` binary run as a child process, with its output captured.
public final class OutpostProcess: Sendable {
    private let process: Process
    private let captured = NIOLockedValueBox(Data())

    /// Finds the `outpost` executable built next to the running tests (same build folder).
    public static func executablePath() throws -> String {
        var candidates: [URL] = []
        if let environmentPath = ProcessInfo.processInfo.environment["OUTPOST_BINARY"] {
            candidates.append(URL(fileURLWithPath: environmentPath))
        }
        // The test bundle lives in .build/<triple>/debug/; the executable beside it.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("outpost"))
            directory.deleteLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/outpost"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate.path
            }
        }
        throw TemporaryDirectoryError(message: "the outpost binary was not found (looked at \(candidates.map(\.path))); run `swift build` first")
    }

    private init(process: Process) {
        self.process = process
    }

    public static func start(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> OutpostProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try self.executablePath())
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var merged = ProcessInfo.processInfo.environment
        merged["OUTPOST_DATA_DIR"] = nil
        merged["OUTPOST_CONFIG"] = nil
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let child = OutpostProcess(process: process)
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                child.captured.withLockedValue { $0.append(data) }
            }
        }
        try process.run()
        return child
    }

    public var output: String { String(decoding: self.captured.withLockedValue { $0 }, as: UTF8.self) }

    public var processIdentifier: Int32 { self.process.processIdentifier }

    public func waitForOutput(containing text: String, timeout: Duration = .seconds(20)) -> Bool {
        eventually(timeout: timeout, pollEvery: .milliseconds(10)) { self.output.contains(text) }
    }

    public func signal(_ signal: Int32) {
        if self.process.isRunning {
            kill(self.process.processIdentifier, signal)
        }
    }

    /// Waits for the process to end and returns its exit status (nil on timeout; it is killed then).
    public func waitForExit(timeout: Duration = .seconds(20)) -> Int32? {
        guard eventually(timeout: timeout, pollEvery: .milliseconds(10), { !self.process.isRunning }) else {
            self.signal(SIGKILL)
            return nil
        }
        self.process.waitUntilExit()
        return self.process.terminationStatus
    }

    deinit {
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
        }
    }
}
