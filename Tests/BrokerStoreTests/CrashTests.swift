import BrokerStore
import BrokerTestSupport
import Foundation
import NIOCore
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// kill -9 while committing: a child process (`outpost-crash-worker`, Tests/CrashWorker)
/// stores and removes messages with concurrent submitters and prints each fact only after
/// its commit succeeded; the test SIGKILLs it at a random moment, reopens the store and
/// checks that everything acknowledged is there, exactly once, and nothing acknowledged
/// as removed is. Many rounds run on the same directory, alternating the sync modes.
@Suite("Crash safety")
struct CrashTests {
    static let rounds = 40
    static let queueName = "crash"

    /// What the worker acknowledged over all rounds.
    struct Ledger {
        /// Message id → (priority, body length) of every message acknowledged as stored.
        var stored: [UInt64: (priority: UInt8, length: Int)] = [:]
        /// Ids whose removal was submitted (announced before submitting; may or may not have committed).
        var removalSubmitted: Set<UInt64> = []
        /// Ids whose removal was acknowledged.
        var removed: Set<UInt64> = []
        var queue: UInt32?
    }

    @Test func storeSurvivesKillDashNine() async throws {
        let worker = try Self.workerPath()
        try await withTemporaryDirectory(prefix: "outpost-crash") { directory in
            let dataDirectory = directory.appending("store")
            var ledger = Ledger()
            var checkedMessages = 0
            var totalLines = 0
            for round in 0..<Self.rounds {
                let mode = allSyncModes[round % allSyncModes.count]
                let lines = try await Self.runAndKill(worker: worker, directory: dataDirectory, mode: mode, round: round)
                totalLines += lines.count
                try Self.record(lines, into: &ledger, round: round)
                checkedMessages += try Self.verify(directory: dataDirectory, mode: mode, ledger: ledger, round: round)
            }
            #expect(ledger.stored.count > Self.rounds, "the worker acknowledged only \(ledger.stored.count) messages")
            #expect(!ledger.removed.isEmpty, "the worker never acknowledged a removal")
            print(
                "crash test: \(Self.rounds) rounds, \(totalLines) acknowledgement lines, \(ledger.stored.count) messages acknowledged, "
                    + "\(ledger.removed.count) removals acknowledged, \(checkedMessages) message checks"
            )
        }
    }

    // MARK: The child

    /// Starts the worker, waits until it has acknowledged something, lets it run 0–50 ms more,
    /// kills it with SIGKILL and returns every complete line it wrote.
    static func runAndKill(worker: String, directory: String, mode: StoreConfiguration.SyncMode, round: Int) async throws -> [Substring] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: worker)
        process.arguments = [directory, mode.rawValue]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let output = PipeReader(stdout.fileHandleForReading)
        let errors = PipeReader(stderr.fileHandleForReading)
        try process.run()
        // The parent must not keep the write ends open, or the readers never see the end.
        try? stdout.fileHandleForWriting.close()
        try? stderr.fileHandleForWriting.close()
        output.start()
        errors.start()

        // Kill at a varying point: after 1–80 acknowledgement lines (past the queue line), plus 0–50 ms.
        let threshold = 1 + Int.random(in: 1...80)
        let deadline = ContinuousClock.now + .seconds(30)
        while output.lineCount < threshold {
            guard process.isRunning else { break }
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                Issue.record("round \(round): the worker printed \(output.lineCount) lines in 30 s")
                break
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        if process.isRunning {
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...50)))
            kill(process.processIdentifier, SIGKILL)
        }
        let exitDeadline = ContinuousClock.now + .seconds(30)
        while process.isRunning || !output.reachedEnd || !errors.reachedEnd {
            guard ContinuousClock.now < exitDeadline else {
                Issue.record("round \(round): the killed worker did not go away (running: \(process.isRunning))")
                break
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        let message = String(decoding: errors.bytes, as: UTF8.self)
        #expect(
            process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
            "round \(round): the worker ended by itself (status \(process.terminationStatus)): \(message)"
        )
        // Only complete lines: a line cut by the kill is not an acknowledgement.
        let text = String(decoding: output.bytes, as: UTF8.self)
        guard let lastNewline = text.lastIndex(of: "\n") else { return [] }
        return text[...lastNewline].split(separator: "\n")
    }

    static func record(_ lines: [Substring], into ledger: inout Ledger, round: Int) throws {
        for line in lines {
            let fields = line.split(separator: " ")
            switch fields.first {
            case "Q":
                let id = try #require(UInt32(fields[1]))
                if let known = ledger.queue {
                    #expect(known == id, "round \(round): the queue changed from \(known) to \(id)")
                }
                ledger.queue = id
            case "S":
                let id = try #require(UInt64(fields[1]))
                let priority = try #require(UInt8(fields[2]))
                let length = try #require(Int(fields[3]))
                #expect(ledger.stored[id] == nil, "round \(round): message id \(id) acknowledged as stored twice (id reused)")
                ledger.stored[id] = (priority, length)
            case "r":
                ledger.removalSubmitted.insert(try #require(UInt64(fields[1])))
            case "R":
                let id = try #require(UInt64(fields[1]))
                #expect(ledger.removalSubmitted.contains(id), "round \(round): removal of \(id) acknowledged but never announced")
                ledger.removed.insert(id)
            default:
                Issue.record("round \(round): unexpected worker line \(line)")
            }
        }
    }

    /// Opens the store after a kill and checks it against the ledger. Returns how many
    /// acknowledged messages were checked.
    static func verify(directory: String, mode: StoreConfiguration.SyncMode, ledger: Ledger, round: Int) throws -> Int {
        let store = try MessageStore(
            configuration: StoreConfiguration(directory: directory, maxSize: 256 << 20, initialMapSize: 1 << 20, syncMode: mode)
        )
        defer { store.close() }
        let queueID = QueueID(try #require(ledger.queue, "round \(round): the worker never acknowledged its queue"))
        let record = try #require(store.queues[queueID], "round \(round): queue \(queueID) is missing after the crash")
        #expect(record.name == Self.queueName)

        // Every entry with its message, in delivery order (page throws on an entry without a message).
        let page = try store.read { try $0.page(of: queueID, after: nil, maxCount: .max, maxBytes: .max) }
        let entries = page.items.map(\.entry)
        #expect(page.reachedEnd)
        #expect(zip(entries, entries.dropFirst()).allSatisfy { $0.key < $1.key }, "round \(round): entries not in delivery order")
        let present = Dictionary(page.items.map { ($0.message.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(present.count == entries.count, "round \(round): a message has more than one entry")

        // Counters and the message table agree with the entries.
        #expect(record.messageCount == UInt64(entries.count), "round \(round): queue count \(record.messageCount), \(entries.count) entries")
        #expect(record.byteCount == UInt64(page.items.reduce(0) { $0 + $1.message.storedSize }), "round \(round): byte count")
        #expect(try store.diskRecord(queueID) == record)
        #expect(try store.storedMessageCount() == entries.count, "round \(round): messages without entries")

        var checked = 0
        for (id, acknowledged) in ledger.stored {
            if ledger.removed.contains(id) { continue }
            guard let item = present[id] else {
                #expect(ledger.removalSubmitted.contains(id), "round \(round): acknowledged message \(id) is lost")
                continue
            }
            checked += 1
            #expect(item.entry.key.priority == acknowledged.priority, "round \(round): message \(id) priority")
            let messageID = MessageID(id)
            #expect(item.message.priority == acknowledged.priority)
            #expect(item.message.address == Self.queueName)
            #expect(item.message.creationTime == Int64(id))
            #expect(item.message.body == testBody(id: messageID, length: acknowledged.length), "round \(round): message \(id) body")
        }
        for id in ledger.removed {
            #expect(present[id] == nil, "round \(round): message \(id) is present although its removal was acknowledged")
            #expect(try store.message(MessageID(id)) == nil, "round \(round): removed message \(id) still stored")
        }
        // Ids keep increasing: nothing acknowledged is at or above the next id.
        if let highest = ledger.stored.keys.max() {
            #expect(store.nextMessageID().rawValue > highest)
        }
        return checked
    }

    // MARK: Finding the worker

    static let workerName = "outpost-crash-worker"

    /// The built `outpost-crash-worker`: next to the test bundle or executable, in the build
    /// directory SwiftPM uses (`swift test` builds every executable target of the package),
    /// or where `OUTPOST_CRASH_WORKER` says.
    static func workerPath() throws -> String {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["OUTPOST_CRASH_WORKER"], !explicit.isEmpty {
            guard fileManager.isExecutableFile(atPath: explicit) else {
                throw WorkerNotFound(description: "OUTPOST_CRASH_WORKER=\(explicit) is not an executable file")
            }
            return explicit
        }
        var starts: [String] = []
        if let executable = try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe") { starts.append(executable) }
        if let executable = Bundle.main.executablePath { starts.append(executable) }
        if let argument = CommandLine.arguments.first { starts.append(URL(fileURLWithPath: argument).standardizedFileURL.path) }
        // macOS: the tests run inside `xctest`; the bundle `<Package>PackageTests.xctest` is in the build directory.
        starts += Bundle.allBundles.map(\.bundlePath).filter { $0.hasSuffix(".xctest") }
        var looked: [String] = []
        func isExecutableFile(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false
            return fileManager.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && fileManager.isExecutableFile(atPath: path)
        }
        for start in starts {
            var directory = URL(fileURLWithPath: start).deletingLastPathComponent()
            for _ in 0..<5 {
                let candidate = directory.appendingPathComponent(Self.workerName).path
                looked.append(candidate)
                if isExecutableFile(candidate) { return candidate }
                directory.deleteLastPathComponent()
            }
        }
        // Last resort: the package's own build directory, from this file's location.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for configuration in ["debug", "release"] {
            let candidate = packageRoot.appendingPathComponent(".build/\(configuration)/\(Self.workerName)").path
            looked.append(candidate)
            if isExecutableFile(candidate) { return candidate }
        }
        throw WorkerNotFound(
            description: "\(Self.workerName) is not built. `swift test` builds it with the package's executable targets; "
                + "otherwise run `swift build --product \(Self.workerName)` or set OUTPOST_CRASH_WORKER. Looked in: "
                + looked.joined(separator: ", ")
        )
    }

    struct WorkerNotFound: Error, CustomStringConvertible {
        var description: String
    }
}

/// Reads a pipe to its end on a thread of its own, so the child never blocks on a full pipe.
final class PipeReader: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var lines = 0
        var reachedEnd = false
    }

    private let handle: FileHandle
    private let state = Mutex(State())

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    func start() {
        let thread = Thread { [self] in
            let descriptor = self.handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                let chunk = buffer[0..<count]
                let newlines = chunk.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                self.state.withLock {
                    $0.bytes += chunk
                    $0.lines += newlines
                }
            }
            self.state.withLock { $0.reachedEnd = true }
        }
        thread.start()
    }

    var bytes: [UInt8] { self.state.withLock { $0.bytes } }
    var lineCount: Int { self.state.withLock { $0.lines } }
    var reachedEnd: Bool { self.state.withLock { $0.reachedEnd } }
}
