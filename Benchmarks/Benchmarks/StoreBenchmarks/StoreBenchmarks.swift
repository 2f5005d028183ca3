// The store benchmarks of issue 2 under ordo-one/benchmark. Each benchmark runs all its
// rounds (store and raw LMDB baseline interleaved) in one iteration, prints its figures,
// baseline, ratio and PASS/FAIL, and records them as custom metrics, ×1000 (ordo-one metrics are integers).
import Benchmark
import Foundation
import StoreBenchKit

private func options() -> BenchOptions {
    var options = BenchOptions()
    let environment = ProcessInfo.processInfo.environment
    if let rounds = environment["OUTPOST_BENCH_ROUNDS"].flatMap(Int.init) { options.rounds = max(1, rounds) }
    if let duration = environment["OUTPOST_BENCH_DURATION"].flatMap(Double.init) { options.duration = duration }
    if let directory = environment["OUTPOST_BENCH_DIR"] { options.directory = directory }
    if let store = environment["OUTPOST_BENCH_REOPEN_STORE"] { options.reopenStore = store }
    if let messages = environment["OUTPOST_BENCH_REOPEN_MESSAGES"].flatMap(Int.init) { options.reopenMessages = messages }
    return options
}

private func record(_ results: [BenchResult], _ benchmark: Benchmark) {
    for result in results {
        benchmark.measurement(.custom("\(result.name) figure x1000"), Int((result.figure * 1000).rounded()))
        benchmark.measurement(.custom("\(result.name) baseline x1000"), Int((result.baseline * 1000).rounded()))
        benchmark.measurement(.custom("\(result.name) ratio x1000"), Int((result.ratio * 1000).rounded()))
        if let passed = result.passed {
            benchmark.measurement(.custom("\(result.name) pass"), passed ? 1 : 0)
        }
    }
}

private func metrics(_ names: [String]) -> [BenchmarkMetric] {
    names.flatMap { name in
        [
            BenchmarkMetric.custom("\(name) figure x1000", useScalingFactor: false),
            .custom("\(name) baseline x1000", useScalingFactor: false),
            .custom("\(name) ratio x1000", useScalingFactor: false),
            .custom("\(name) pass", polarity: .prefersLarger, useScalingFactor: false),
        ]
    }
}

private func configuration(_ names: [String]) -> Benchmark.Configuration {
    .init(
        metrics: [.wallClock] + metrics(names),
        warmupIterations: 0,
        scalingFactor: .one,
        maxDuration: .seconds(1200),
        maxIterations: 1
    )
}

let benchmarks: @Sendable () -> Void = {
    // The reopen benchmark measures in a fresh copy of this executable.
    StoreBench.runChildIfRequested()

    Benchmark("Store enqueue 64 submitters vs raw LMDB", configuration: configuration(["enqueue-64"])) { benchmark in
        record([try StoreBench.enqueue(options())], benchmark)
    }
    Benchmark("Store single-submitter latency vs raw LMDB commit", configuration: configuration(["latency-1"])) { benchmark in
        record([try StoreBench.latency(options())], benchmark)
    }
    Benchmark("Store dequeue + ack vs raw LMDB", configuration: configuration(["dequeue-ack"])) { benchmark in
        record([try StoreBench.dequeue(options())], benchmark)
    }
    Benchmark("Store reopen 1M messages vs empty store", configuration: configuration(["reopen-1M.open", "reopen-1M.rss-anon"])) { benchmark in
        record(try StoreBench.reopen(options()), benchmark)
    }
    Benchmark("Store sync modes: singleExplicitSync vs lmdbDefault", configuration: configuration(["sync-modes.enqueue-64", "sync-modes.latency-1"])) { benchmark in
        record(try StoreBench.syncModes(options()), benchmark)
    }
}
