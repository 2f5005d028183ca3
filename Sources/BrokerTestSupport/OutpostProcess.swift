import Foundation

/// The built `outpost` binary run as a child process, with its output captured.
public final class OutpostProcess: Sendable {
    // The binary runs as a PeerProcess; this type adds where to find it and a clean environment.
    private let peer: PeerProcess

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

    private init(peer: PeerProcess) {
        self.peer = peer
    }

    public static func start(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> OutpostProcess {
        var merged = ProcessInfo.processInfo.environment
        merged["OUTPOST_DATA_DIR"] = nil
        merged["OUTPOST_CONFIG"] = nil
        for (key, value) in environment { merged[key] = value }
        return OutpostProcess(peer: try PeerProcess(try self.executablePath(), arguments, directory: directory, environment: merged))
    }

    public var output: String { self.peer.output }
    public var processIdentifier: Int32 { self.peer.processIdentifier }

    public func waitForOutput(containing text: String, timeout: Duration = .seconds(20)) -> Bool {
        self.peer.waitForOutput(containing: text, timeout: timeout)
    }

    public func signal(_ signal: Int32) { self.peer.signal(signal) }

    /// Waits for the process to end and returns its exit status (nil on timeout; it is killed then).
    public func waitForExit(timeout: Duration = .seconds(20)) -> Int32? {
        guard let status = self.peer.waitForExit(timeout: timeout) else {
            self.peer.signal(SIGKILL)
            return nil
        }
        return status
    }
}
