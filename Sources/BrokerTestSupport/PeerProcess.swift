import Foundation
import NIOConcurrencyHelpers

/// A real peer broker or client run as a child process for tests (mosquitto,
/// mosquitto_sub, RabbitMQ through scripts/peers), with its output captured and
/// stopped by PID.
public final class PeerProcess: Sendable {
    private let process: Process
    private let captured = NIOLockedValueBox(Data())

    /// The repository root, found from this file's location.
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Starts `executable` (a path, or a name looked up in PATH) with `arguments`, in
    /// `directory` when given, with `environment` replacing the inherited one when given.
    public init(_ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String]? = nil) throws {
        let process = Process()
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        self.process = process
        let captured = self.captured
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                captured.withLockedValue { $0.append(data) }
            }
        }
        try process.run()
    }

    public var output: String { String(decoding: self.captured.withLockedValue { $0 }, as: UTF8.self) }
    public var lines: [String] { self.output.split(separator: "\n").map(String.init) }
    public var isRunning: Bool { self.process.isRunning }
    public var processIdentifier: Int32 { self.process.processIdentifier }

    public func signal(_ signal: Int32) {
        if self.process.isRunning {
            kill(self.process.processIdentifier, signal)
        }
    }

    public func waitForOutput(containing text: String, timeout: Duration = .seconds(10)) -> Bool {
        eventually(timeout: timeout, pollEvery: .milliseconds(5)) { self.output.contains(text) }
    }

    public func waitForExit(timeout: Duration = .seconds(30)) -> Int32? {
        guard eventually(timeout: timeout, pollEvery: .milliseconds(10), { !self.process.isRunning }) else { return nil }
        self.process.waitUntilExit()
        return self.process.terminationStatus
    }

    public func stop() {
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGTERM)
            if self.waitForExit(timeout: .seconds(5)) == nil {
                kill(self.process.processIdentifier, SIGKILL)
            }
        }
    }

    deinit {
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
        }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    public static func freePort() -> Int {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketDescriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(port: Int) -> Bool {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketDescriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
