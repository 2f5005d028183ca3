// Shared pieces of the protocol load tools (issues 3, 4 and 7): option parsing, the
// payload stamp (sender, sequence number, send time), latency percentiles, the tool's
// own CPU time (getrusage), and per-sender exactly-once bookkeeping.
import Foundation
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

public enum BenchClock {
    /// CLOCK_MONOTONIC in nanoseconds (the same clock for every thread of the process).
    @inline(__always)
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// The tool's own CPU time (user + system, all threads), from getrusage(RUSAGE_SELF).
public func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ tv: timeval) -> Double { Double(tv.tv_sec) + Double(tv.tv_usec) / 1_000_000 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Command-line options: `--name value` and `--flag`.
public struct Options {
    public private(set) var values: [String: String] = [:]
    public private(set) var flags: Set<String> = []

    public init(_ arguments: [String], flags knownFlags: Set<String>) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else {
                fatalExit("unexpected argument \(argument)")
            }
            let name = String(argument.dropFirst(2))
            if let equals = name.firstIndex(of: "=") {
                self.values[String(name[..<equals])] = String(name[name.index(after: equals)...])
            } else if knownFlags.contains(name) {
                self.flags.insert(name)
            } else {
                guard index + 1 < arguments.count else { fatalExit("option --\(name) needs a value") }
                self.values[name] = arguments[index + 1]
                index += 1
            }
            index += 1
        }
    }

    public func string(_ name: String, _ defaultValue: String) -> String { self.values[name] ?? defaultValue }

    public func int(_ name: String, _ defaultValue: Int) -> Int {
        guard let text = self.values[name] else { return defaultValue }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            fatalExit("--\(name) wants an integer, got \(text)")
        }
        return value
    }

    public func double(_ name: String, _ defaultValue: Double) -> Double {
        guard let text = self.values[name] else { return defaultValue }
        guard let value = Double(text) else { fatalExit("--\(name) wants a number, got \(text)") }
        return value
    }

    public func flag(_ name: String) -> Bool { self.flags.contains(name) }
}

public func fatalExit(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(status)
}

/// The first bytes of every benchmark message body: magic, sender, sequence number, send time.
public enum PayloadStamp {
    public static let magic: UInt32 = 0x4F50_4231  // "OPB1"
    public static let size = 4 + 4 + 8 + 8

    public static func make(size: Int, sender: UInt32, sequence: UInt64, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: max(size, Self.size))
        Self.write(into: &buffer, size: size, sender: sender, sequence: sequence)
        return buffer
    }

    public static func write(into buffer: inout ByteBuffer, size: Int, sender: UInt32, sequence: UInt64) {
        buffer.writeInteger(Self.magic)
        buffer.writeInteger(sender)
        buffer.writeInteger(sequence)
        buffer.writeInteger(BenchClock.now())
        let padding = size - Self.size
        if padding > 0 { buffer.writeRepeatingByte(0x61, count: padding) }
    }

    /// Finds the stamp at `offset` (or, with `search`, the first one after it) and returns it.
    public static func read(_ buffer: ByteBuffer, search: Bool) -> (sender: UInt32, sequence: UInt64, sentAt: UInt64)? {
        var index = buffer.readerIndex
        let end = buffer.writerIndex - Self.size
        while index <= end {
            if buffer.getInteger(at: index, as: UInt32.self) == Self.magic {
                guard let sender = buffer.getInteger(at: index + 4, as: UInt32.self),
                    let sequence = buffer.getInteger(at: index + 8, as: UInt64.self),
                    let sentAt = buffer.getInteger(at: index + 16, as: UInt64.self)
                else { return nil }
                return (sender, sequence, sentAt)
            }
            if !search { return nil }
            index += 1
        }
        return nil
    }
}

/// Which sequence numbers of each sender a receiver (or a set of competing receivers) saw.
public struct ReceiptLedger {
    private var seen: [[UInt64]]  // bitsets, one per sender
    public private(set) var received = 0
    public private(set) var duplicates = 0
    public private(set) var foreign = 0  // stamps outside the expected range

    public init(senders: Int, messagesPerSender: Int) {
        self.seen = Array(repeating: Array(repeating: 0, count: (messagesPerSender + 63) / 64), count: senders)
    }

    public mutating func record(sender: UInt32, sequence: UInt64) {
        let s = Int(sender)
        let q = Int(sequence)
        guard s < self.seen.count, q / 64 < self.seen[s].count else {
            self.foreign += 1
            return
        }
        let bit: UInt64 = 1 << UInt64(q % 64)
        if self.seen[s][q / 64] & bit != 0 {
            self.duplicates += 1
        } else {
            self.seen[s][q / 64] |= bit
            self.received += 1
        }
    }

    /// Merges competing receivers' ledgers; a message seen by two of them is a duplicate.
    public mutating func merge(_ other: ReceiptLedger) {
        for s in 0..<min(self.seen.count, other.seen.count) {
            for w in 0..<self.seen[s].count {
                let overlap = self.seen[s][w] & other.seen[s][w]
                self.duplicates += overlap.nonzeroBitCount
                self.seen[s][w] |= other.seen[s][w]
            }
        }
        self.received = self.seen.reduce(0) { $0 + $1.reduce(0) { $0 + $1.nonzeroBitCount } }
        self.duplicates += other.duplicates
        self.foreign += other.foreign
    }
}

/// Latencies in nanoseconds; percentiles by sorting (runs are at most a few million samples).
public struct LatencySamples {
    public var values: [UInt64] = []
    public init() {}
    public mutating func append(_ value: UInt64) { self.values.append(value) }
    public mutating func append(contentsOf other: LatencySamples) { self.values.append(contentsOf: other.values) }

    public func percentiles(_ ps: [Double]) -> [Double] {
        guard !self.values.isEmpty else { return ps.map { _ in .nan } }
        let sorted = self.values.sorted()
        return ps.map { p in
            let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[rank]) / 1_000  // µs
        }
    }
}

/// Progress shared by all connections (updated once per read batch, not per message).
public final class SharedProgress: @unchecked Sendable {
    private let lock = NIOLock()
    private var _received = 0
    private var _lastReceiveAt: UInt64 = 0
    private var _sent = 0
    private var _errors: [String] = []
    private var _finishedSenders = 0

    public init() {}

    public func addReceived(_ count: Int, at time: UInt64) {
        self.lock.withLock {
            self._received += count
            if time > self._lastReceiveAt { self._lastReceiveAt = time }
        }
    }

    public func senderFinished() { self.lock.withLock { self._finishedSenders += 1 } }
    public var finishedSenders: Int { self.lock.withLock { self._finishedSenders } }
    public func addSent(_ count: Int) { self.lock.withLock { self._sent += count } }
    public func fail(_ message: String) { self.lock.withLock { self._errors.append(message) } }

    public var received: Int { self.lock.withLock { self._received } }
    public var sent: Int { self.lock.withLock { self._sent } }
    public var lastReceiveAt: UInt64 { self.lock.withLock { self._lastReceiveAt } }
    public var errors: [String] { self.lock.withLock { self._errors } }
}

/// Waits until `done()` or until nothing moved for `idleSeconds`; returns whether `done()` held.
public func waitUntil(idleSeconds: Double, progress: () -> Int, done: () -> Bool) -> Bool {
    var lastValue = -1
    var lastChange = BenchClock.now()
    while true {
        if done() { return true }
        let value = progress()
        let now = BenchClock.now()
        if value != lastValue {
            lastValue = value
            lastChange = now
        } else if Double(now - lastChange) / 1e9 > idleSeconds {
            return false
        }
        usleep(2_000)
    }
}

public func format(_ value: Double, _ digits: Int = 1) -> String {
    value.isNaN ? "n/a" : String(format: "%.\(digits)f", value)
}
