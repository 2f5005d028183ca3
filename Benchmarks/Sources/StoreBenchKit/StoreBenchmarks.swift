import BrokerStore
import Dispatch
import Foundation
import NIOCore

public struct BenchOptions: Sendable {
    /// Rounds per benchmark; each figure is the median over rounds of the per-round ratio.
    public var rounds = 3
    /// Seconds of each throughput run (store and baseline each get this much per round).
    public var duration = 3.0
    /// Parent of the temporary stores (default $TMPDIR or /tmp).
    public var directory: String?
    public var submitters = 64
    public var latencyCommits = 500
    public var dequeueMessages = 50_000
    public var dequeuePage = 100
    public var reopenMessages = 1_000_000
    /// Non-matching wildcard subscriptions in the routing benchmark.
    public var routingSubscriptions = 100_000
    public var reopenQueues = 10
    public var reopenReadPerQueue = 1000
    /// Reuse (or keep) the 1 M-message store at this path instead of a temporary one.
    public var reopenStore: String?
    /// Non-matching messages ahead of a selector consumer's match (issue 8).
    public var selectorBacklog = 100_000

    public init() {}
}

public enum StoreBench {
    // MARK: enqueue, 64 submitters

    struct EnqueueRun {
        var rate: Double
        var meanBatch: Double
        var messages: Int
        var writtenPerMessage: Double
    }

    /// `submitters` producers, each with one message in flight: when its commit completes
    /// (on the writer thread) it hops to one of two serial queues, standing in for the
    /// broker's event loops, which submit its next message. Runs for `duration` seconds.
    static func storeEnqueue(
        directory: String, syncMode: StoreConfiguration.SyncMode, submitters: Int, duration: Double
    ) throws -> EnqueueRun {
        let store = try MessageStore(configuration: storeConfiguration(directory, syncMode))
        defer { store.close() }
        let queue = try makeQueue(store)
        let loops = [DispatchQueue(label: "loop-0"), DispatchQueue(label: "loop-1")]
        let tally = Tally()
        let group = DispatchGroup()
        let before = store.statistics.snapshot
        let writtenBefore = writtenBytes()
        let start = nowNanoseconds()
        let deadline = start + UInt64(duration * 1e9)

        @Sendable func submitNext(_ producer: Int) {
            store.submit([.storeMessage(Payload.message(store), queues: [queue.id])]) { result in
                tally.record(result)
                loops[producer & 1].async {
                    if nowNanoseconds() < deadline {
                        submitNext(producer)
                    } else {
                        group.leave()
                    }
                }
            }
        }
        for producer in 0..<submitters {
            group.enter()
            loops[producer & 1].async { submitNext(producer) }
        }
        group.wait()
        let elapsed = Double(nowNanoseconds() - start) / 1e9
        let written = writtenBytes() - writtenBefore
        try tally.check()
        let after = store.statistics.snapshot
        let commits = after.commits - before.commits
        let meanBatch = commits == 0 ? 0 : Double(after.submissions - before.submissions) / Double(commits)
        return EnqueueRun(
            rate: Double(tally.completed) / elapsed, meanBatch: meanBatch, messages: tally.completed,
            writtenPerMessage: Double(written) / Double(max(1, tally.completed))
        )
    }

    /// The raw loop: one thread, `batch` puts per durable commit, for `duration` seconds.
    static func rawEnqueue(directory: String, batch: Int, duration: Double, explicitSync: Bool = false) throws -> Double {
        try rawEnqueueRun(directory: directory, batch: batch, duration: duration, explicitSync: explicitSync).rate
    }

    static func rawEnqueueRun(directory: String, batch: Int, duration: Double, explicitSync: Bool = false) throws -> EnqueueRun {
        let raw = try RawLMDB(directory: directory, explicitSync: explicitSync)
        defer { raw.close() }
        var id: UInt64 = 1
        var messages = 0
        let writtenBefore = writtenBytes()
        let start = nowNanoseconds()
        let deadline = start + UInt64(duration * 1e9)
        try Payload.rawValue.withUnsafeBytes { value in
            repeat {
                try raw.putBatch(firstID: id, count: batch, value: value)
                id += UInt64(batch)
                messages += batch
            } while nowNanoseconds() < deadline
        }
        let rate = Double(messages) / (Double(nowNanoseconds() - start) / 1e9)
        return EnqueueRun(
            rate: rate, meanBatch: Double(batch), messages: messages,
            writtenPerMessage: Double(writtenBytes() - writtenBefore) / Double(max(1, messages))
        )
    }

    public static func enqueue(_ options: BenchOptions) throws -> BenchResult {
        say("== enqueue-64: durable enqueue of 1 KiB messages, \(options.submitters) concurrent submitters, vs raw LMDB in batches of the store's mean batch size")
        var ratios: [Double] = []
        var storeRates: [Double] = []
        var rawRates: [Double] = []
        var batches: [Double] = []
        for round in 1...options.rounds {
            let storeDirectory = try makeTemporaryDirectory(options.directory, "outpost-bench-enqueue")
            defer { removeDirectory(storeDirectory) }
            let run = try storeEnqueue(
                directory: storeDirectory, syncMode: .lmdbDefault, submitters: options.submitters, duration: options.duration
            )
            removeDirectory(storeDirectory)
            let batch = max(1, Int(run.meanBatch.rounded()))
            let rawDirectory = try makeTemporaryDirectory(options.directory, "outpost-bench-raw")
            defer { removeDirectory(rawDirectory) }
            let rawRun = try rawEnqueueRun(directory: rawDirectory, batch: batch, duration: options.duration)
            let rawRate = rawRun.rate
            let ratio = run.rate / rawRate
            say("  round \(round): store \(format(run.rate)) msg/s (\(run.messages) messages, mean batch \(format(run.meanBatch)), \(format(run.writtenPerMessage)) B written/msg)"
                + "  raw LMDB \(format(rawRate)) msg/s (batches of \(batch), \(format(rawRun.writtenPerMessage)) B written/msg)  ratio \(format(ratio))")
            ratios.append(ratio)
            storeRates.append(run.rate)
            rawRates.append(rawRate)
            batches.append(run.meanBatch)
        }
        var result = BenchResult(
            name: "enqueue-64", figure: median(storeRates), baseline: median(rawRates), unit: "msg/s",
            baselineName: "raw LMDB", ratio: median(ratios), target: .atLeast(0.5)
        )
        result.extra["mean-batch"] = median(batches)
        say(result.line)
        return result
    }

    // MARK: single-submitter latency

    static func storeLatencies(_ store: MessageStore, queue: QueueID, commits: Int) throws -> [Double] {
        var latencies: [Double] = []
        latencies.reserveCapacity(commits)
        let semaphore = DispatchSemaphore(value: 0)
        let tally = Tally()
        for _ in 0..<commits {
            let start = nowNanoseconds()
            store.submit([.storeMessage(Payload.message(store), queues: [queue])]) { result in
                tally.record(result)
                semaphore.signal()
            }
            semaphore.wait()
            latencies.append(Double(nowNanoseconds() - start) / 1000)
        }
        try tally.check()
        return latencies
    }

    static func rawLatencies(_ raw: RawLMDB, firstID: inout UInt64, commits: Int) throws -> [Double] {
        var latencies: [Double] = []
        latencies.reserveCapacity(commits)
        try Payload.rawValue.withUnsafeBytes { value in
            for _ in 0..<commits {
                let start = nowNanoseconds()
                try raw.putBatch(firstID: firstID, count: 1, value: value)
                latencies.append(Double(nowNanoseconds() - start) / 1000)
                firstID += 1
            }
        }
        return latencies
    }

    public static func latency(_ options: BenchOptions) throws -> BenchResult {
        say("== latency-1: one submitter, one 1 KiB message per commit, vs one raw LMDB put + durable commit")
        let storeDirectory = try makeTemporaryDirectory(options.directory, "outpost-bench-latency")
        let rawDirectory = try makeTemporaryDirectory(options.directory, "outpost-bench-raw")
        defer {
            removeDirectory(storeDirectory)
            removeDirectory(rawDirectory)
        }
        let store = try MessageStore(configuration: storeConfiguration(storeDirectory))
        defer { store.close() }
        let queue = try makeQueue(store)
        let raw = try RawLMDB(directory: rawDirectory)
        defer { raw.close() }
        var rawID: UInt64 = 1
        // Warm up both (first commits grow files).
        _ = try storeLatencies(store, queue: queue.id, commits: 50)
        _ = try rawLatencies(raw, firstID: &rawID, commits: 50)
        var ratios: [Double] = []
        var storeMedians: [Double] = []
        var rawMedians: [Double] = []
        var storeP99: [Double] = []
        var rawP99: [Double] = []
        for round in 1...options.rounds {
            // Interleave in blocks so that both see the same background noise.
            var storeAll: [Double] = []
            var rawAll: [Double] = []
            let blocks = 5
            for _ in 0..<blocks {
                storeAll += try storeLatencies(store, queue: queue.id, commits: options.latencyCommits / blocks)
                rawAll += try rawLatencies(raw, firstID: &rawID, commits: options.latencyCommits / blocks)
            }
            let storeMedian = median(storeAll)
            let rawMedian = median(rawAll)
            let ratio = storeMedian / rawMedian
            say("  round \(round): store median \(format(storeMedian)) µs (p99 \(format(percentile(storeAll, 99))))"
                + "  raw LMDB median \(format(rawMedian)) µs (p99 \(format(percentile(rawAll, 99))))  ratio \(format(ratio))")
            ratios.append(ratio)
            storeMedians.append(storeMedian)
            rawMedians.append(rawMedian)
            storeP99.append(percentile(storeAll, 99))
            rawP99.append(percentile(rawAll, 99))
        }
        var result = BenchResult(
            name: "latency-1", figure: median(storeMedians), baseline: median(rawMedians), unit: "µs (median commit latency)",
            baselineName: "raw LMDB put+commit", ratio: median(ratios), target: .atMost(1.5)
        )
        result.extra["store-p99-us"] = median(storeP99)
        result.extra["raw-p99-us"] = median(rawP99)
        say(result.line)
        return result
    }

    // MARK: dequeue + ack

    public static func dequeue(_ options: BenchOptions) throws -> BenchResult {
        let n = options.dequeueMessages
        let page = options.dequeuePage
        say("== dequeue-ack: read \(n) 1 KiB messages in pages of \(page) and ack each page in one commit, vs raw LMDB cursor read + delete")
        var ratios: [Double] = []
        var storeRates: [Double] = []
        var rawRates: [Double] = []
        for round in 1...options.rounds {
            // Store: preload, then page + ack (one submission of `page` removeEntry ops, like a range disposition).
            let storeDirectory = try makeTemporaryDirectory(options.directory, "outpost-bench-dequeue")
            defer { removeDirectory(storeDirectory) }
            let storeRate: Double
            do {
                let store = try MessageStore(configuration: storeConfiguration(storeDirectory))
                defer { store.close() }
                let queue = try makeQueue(store)
                var loaded = 0
                while loaded < n {
                    let count = min(5000, n - loaded)
                    try blockingCommit(store, (0..<count).map { _ in .storeMessage(Payload.message(store), queues: [queue.id]) })
                    loaded += count
                }
                var taken = 0
                let start = nowNanoseconds()
                while true {
                    let items = try store.read { try $0.page(of: queue.id, after: nil, maxCount: page, maxBytes: 1 << 30) }.items
                    if items.isEmpty { break }
                    taken += items.count
                    try blockingCommit(store, items.map { .removeEntry($0.entry.key) })
                }
                storeRate = Double(taken) / (Double(nowNanoseconds() - start) / 1e9)
                guard taken == n, store.queues[queue.id]?.messageCount == 0 else {
                    throw BenchError("dequeue: took \(taken) of \(n); queue still counts \(store.queues[queue.id]?.messageCount ?? 0)")
                }
            }
            removeDirectory(storeDirectory)

            let rawDirectory = try makeTemporaryDirectory(options.directory, "outpost-bench-raw")
            defer { removeDirectory(rawDirectory) }
            let rawRate: Double
            do {
                let raw = try RawLMDB(directory: rawDirectory)
                defer { raw.close() }
                try Payload.rawValue.withUnsafeBytes { value in
                    var id: UInt64 = 1
                    while id <= UInt64(n) {
                        let count = min(5000, n - Int(id) + 1)
                        try raw.putBatch(firstID: id, count: count, value: value)
                        id += UInt64(count)
                    }
                }
                var taken = 0
                let start = nowNanoseconds()
                while true {
                    let got = try raw.takeFirst(page)
                    if got == 0 { break }
                    taken += got
                }
                rawRate = Double(taken) / (Double(nowNanoseconds() - start) / 1e9)
            }
            let ratio = storeRate / rawRate
            say("  round \(round): store \(format(storeRate)) msg/s  raw LMDB \(format(rawRate)) msg/s  ratio \(format(ratio))")
            ratios.append(ratio)
            storeRates.append(storeRate)
            rawRates.append(rawRate)
        }
        let result = BenchResult(
            name: "dequeue-ack", figure: median(storeRates), baseline: median(rawRates), unit: "msg/s",
            baselineName: "raw LMDB read+delete", ratio: median(ratios), target: .none
        )
        say(result.line)
        return result
    }

    // MARK: sync modes

    public static func syncModes(_ options: BenchOptions) throws -> [BenchResult] {
        say("== sync-modes: .singleExplicitSync (MDB_NOSYNC + one mdb_env_sync per commit) vs .lmdbDefault (two syncs per commit)")
        var throughputRatios: [Double] = []
        var latencyRatios: [Double] = []
        var rawRatios: [Double] = []
        var explicitRates: [Double] = []
        var defaultRates: [Double] = []
        var explicitLatencies: [Double] = []
        var defaultLatencies: [Double] = []
        let duration = max(1.0, options.duration * 2 / 3)
        for round in 1...options.rounds {
            var rates: [StoreConfiguration.SyncMode: EnqueueRun] = [:]
            var latencies: [StoreConfiguration.SyncMode: Double] = [:]
            // Alternate which mode goes first.
            let order: [StoreConfiguration.SyncMode] = round % 2 == 1 ? [.lmdbDefault, .singleExplicitSync] : [.singleExplicitSync, .lmdbDefault]
            for mode in order {
                let directory = try makeTemporaryDirectory(options.directory, "outpost-bench-sync")
                defer { removeDirectory(directory) }
                rates[mode] = try storeEnqueue(directory: directory, syncMode: mode, submitters: options.submitters, duration: duration)
                removeDirectory(directory)
                let latencyDirectory = try makeTemporaryDirectory(options.directory, "outpost-bench-sync")
                defer { removeDirectory(latencyDirectory) }
                let store = try MessageStore(configuration: storeConfiguration(latencyDirectory, mode))
                defer { store.close() }
                let queue = try makeQueue(store)
                _ = try storeLatencies(store, queue: queue.id, commits: 50)
                latencies[mode] = median(try storeLatencies(store, queue: queue.id, commits: options.latencyCommits / 2))
            }
            // Raw LMDB, one put per commit, both ways: the sync cost without the store.
            var rawRates: [Bool: Double] = [:]
            for explicitSync in (round % 2 == 1 ? [false, true] : [true, false]) {
                let directory = try makeTemporaryDirectory(options.directory, "outpost-bench-raw")
                defer { removeDirectory(directory) }
                rawRates[explicitSync] = try rawEnqueue(directory: directory, batch: 1, duration: duration / 2, explicitSync: explicitSync)
            }
            let e = rates[.singleExplicitSync]!, d = rates[.lmdbDefault]!
            let throughputRatio = e.rate / d.rate
            let latencyRatio = latencies[.singleExplicitSync]! / latencies[.lmdbDefault]!
            let rawRatio = rawRates[true]! / rawRates[false]!
            say("  round \(round): 64 submitters: explicit \(format(e.rate)) msg/s (batch \(format(e.meanBatch))), default \(format(d.rate)) msg/s (batch \(format(d.meanBatch))), ratio \(format(throughputRatio))"
                + "; 1 submitter median: explicit \(format(latencies[.singleExplicitSync]!)) µs, default \(format(latencies[.lmdbDefault]!)) µs, ratio \(format(latencyRatio))"
                + "; raw 1 put/commit: explicit \(format(rawRates[true]!))/s, default \(format(rawRates[false]!))/s, ratio \(format(rawRatio))")
            throughputRatios.append(throughputRatio)
            latencyRatios.append(latencyRatio)
            rawRatios.append(rawRatio)
            explicitRates.append(e.rate)
            defaultRates.append(d.rate)
            explicitLatencies.append(latencies[.singleExplicitSync]!)
            defaultLatencies.append(latencies[.lmdbDefault]!)
        }
        let throughput = BenchResult(
            name: "sync-modes.enqueue-64", figure: median(explicitRates), baseline: median(defaultRates), unit: "msg/s",
            baselineName: ".lmdbDefault", ratio: median(throughputRatios), target: .none
        )
        var latency = BenchResult(
            name: "sync-modes.latency-1", figure: median(explicitLatencies), baseline: median(defaultLatencies), unit: "µs (median)",
            baselineName: ".lmdbDefault", ratio: median(latencyRatios), target: .none
        )
        latency.extra["raw-1-put-ratio"] = median(rawRatios)
        say(throughput.line.replacingOccurrences(of: "RESULT sync-modes.enqueue-64: ", with: "RESULT sync-modes.enqueue-64: .singleExplicitSync "))
        say(latency.line.replacingOccurrences(of: "RESULT sync-modes.latency-1: ", with: "RESULT sync-modes.latency-1: .singleExplicitSync "))
        say("RESULT sync-modes.raw: raw LMDB 1 put/commit, MDB_NOSYNC+mdb_env_sync vs default: ratio \(format(median(rawRatios)))")
        return [throughput, latency]
    }
}
