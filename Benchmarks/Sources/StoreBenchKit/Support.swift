import BrokerStore
import Dispatch
import Foundation
import NIOCore

/// Monotonic nanoseconds.
@inline(__always)
func nowNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func median(_ values: [Double]) -> Double {
    precondition(!values.isEmpty)
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    precondition(!values.isEmpty)
    let sorted = values.sorted()
    let index = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[index]
}

/// `RssAnon` of this process in KiB, from /proc/self/status (0 where unavailable).
public func rssAnonKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
        let digits = line.dropFirst("RssAnon:".count).filter(\.isNumber)
        return Int(digits) ?? 0
    }
    return 0
}

/// Bytes this process has passed to write syscalls so far (`wchar` of /proc/self/io): what
/// LMDB writes per commit, page copies included.
func writtenBytes() -> Int {
    guard let io = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
    for line in io.split(separator: "\n") where line.hasPrefix("wchar:") {
        return Int(line.dropFirst("wchar:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }
    return 0
}

/// A fresh directory under `parent` (or the system's temporary directory).
func makeTemporaryDirectory(_ parent: String?, _ prefix: String) throws -> String {
    let base = parent ?? (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    var template = Array((base + "/" + prefix + "-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else {
        throw BenchError("mkdtemp failed in \(base): \(String(cString: strerror(errno)))")
    }
    return String(cString: made)
}

func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Waits for a store commit from a plain thread.
@discardableResult
func blockingCommit(_ store: MessageStore, _ operations: [StoreOperation]) throws -> CommitReceipt {
    let semaphore = DispatchSemaphore(value: 0)
    let box = ResultBox()
    store.submit(operations) { result in
        box.set(result)
        semaphore.signal()
    }
    semaphore.wait()
    return try box.get()
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<CommitReceipt, StoreError>?
    func set(_ result: Result<CommitReceipt, StoreError>) { self.lock.withLock { self.result = result } }
    func get() throws -> CommitReceipt { try self.lock.withLock { self.result! }.get() }
}

/// A small locked counter / first-error holder for completions running on the writer thread.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var error: Error?
    func record(_ result: Result<CommitReceipt, StoreError>, messages: Int = 1) {
        self.lock.withLock {
            switch result {
            case .success: self.count += messages
            case .failure(let error): if self.error == nil { self.error = error }
            }
        }
    }
    var completed: Int { self.lock.withLock { self.count } }
    func check() throws { if let error = self.lock.withLock({ self.error }) { throw error } }
}

/// The 1 KiB message body every benchmark stores, and its encoded size in the store.
enum Payload {
    static let address = "bench"
    static let bodySize = 1024
    static let body = ByteBuffer(repeating: 0x61, count: bodySize)

    static func message(_ store: MessageStore) -> StoredMessage {
        StoredMessage(id: store.nextMessageID(), address: address, creationTime: 1_700_000_000_000, body: body)
    }

    /// The same bytes the store writes for one message (header + address + body), for the raw baseline.
    static let storedSize = StoredMessage(id: MessageID(1), address: address, creationTime: 0, body: body).storedSize
    static let rawValue = [UInt8](repeating: 0x61, count: storedSize)
}

func storeConfiguration(_ directory: String, _ syncMode: StoreConfiguration.SyncMode = .lmdbDefault) -> StoreConfiguration {
    StoreConfiguration(directory: directory, maxSize: 16 << 30, syncMode: syncMode)
}

func makeQueue(_ store: MessageStore, name: String = "bench") throws -> QueueRecord {
    let record = QueueRecord(id: store.nextQueueID(), name: name, address: Payload.address, routingType: .anycast, isDurable: true)
    try blockingCommit(store, [.createQueue(record)])
    return record
}

// MARK: - Reporting

/// One benchmark's result: the figure, the baseline measured in the same run, their ratio
/// (median over rounds of the per-round ratio) and the target.
public struct BenchResult: Sendable {
    public enum Comparison: Sendable {
        case atLeast(Double)
        case atMost(Double)
        /// A target on the figure itself rather than on the ratio (described, already decided).
        case absolute(String, Bool)
        case none
    }

    public var name: String
    public var figure: Double
    public var baseline: Double
    public var unit: String
    public var baselineName: String
    public var ratio: Double
    public var target: Comparison
    public var extra: [String: Double] = [:]

    public var passed: Bool? {
        switch self.target {
        case .atLeast(let bound): self.ratio >= bound
        case .atMost(let bound): self.ratio <= bound
        case .absolute(_, let passed): passed
        case .none: nil
        }
    }

    public var verdict: String {
        switch self.target {
        case .atLeast(let bound): "target ratio ≥ \(format(bound)): \(self.passed! ? "PASS" : "FAIL")"
        case .atMost(let bound): "target ratio ≤ \(format(bound)): \(self.passed! ? "PASS" : "FAIL")"
        case .absolute(let description, let passed): "target \(description): \(passed ? "PASS" : "FAIL")"
        case .none: "no target (reported only)"
        }
    }

    public var line: String {
        "RESULT \(self.name): \(format(self.figure)) \(self.unit) vs \(self.baselineName) \(format(self.baseline)) \(self.unit)"
            + " -> ratio \(format(self.ratio)); \(self.verdict)"
    }
}

func format(_ value: Double) -> String {
    if value.isNaN || value.isInfinite { return "\(value)" }
    let magnitude = abs(value)
    if magnitude >= 1000 { return String(format: "%.0f", value) }
    if magnitude >= 100 { return String(format: "%.1f", value) }
    if magnitude >= 1 { return String(format: "%.2f", value) }
    return String(format: "%.3f", value)
}

func say(_ text: String) {
    print(text)
    fflush(stdout)
}
