// outpost-store-bench: the store benchmarks of issue 2 as a plain release executable.
// The same code runs under ordo-one/benchmark (Benchmarks/StoreBenchmarks); see README.md.
import Foundation
import StoreBenchKit

StoreBench.runChildIfRequested()

let usage = """
    usage: outpost-store-bench [BENCHMARK...] [options]
      BENCHMARK: enqueue latency dequeue reopen sync-modes routing selector all (default: all)
      --rounds N            rounds per benchmark; figures are medians (default 3)
      --duration SECONDS    length of each throughput run (default 3)
      --dir PATH            parent directory of the temporary stores (default $TMPDIR or /tmp)
      --submitters N        concurrent submitters for enqueue (default 64)
      --latency-commits N   commits per latency round (default 500)
      --dequeue-messages N  messages per dequeue round (default 50000)
      --reopen-messages N   messages in the reopen store (default 1000000)
      --reopen-store PATH   build the reopen store there once and reuse it on later runs
      --routing-subscriptions N  non-matching wildcard subscriptions (default 100000)
      --selector-backlog N  non-matching messages ahead of the selector's match (default 100000)
    """

var options = BenchOptions()
var selected: [String] = []
var arguments = CommandLine.arguments.dropFirst().makeIterator()
func value(_ flag: String) -> String {
    guard let next = arguments.next() else {
        FileHandle.standardError.write(Data("\(flag) needs a value\n\(usage)\n".utf8))
        exit(2)
    }
    return next
}
func number(_ flag: String) -> Int {
    guard let parsed = Int(value(flag).replacingOccurrences(of: "_", with: "")) else {
        FileHandle.standardError.write(Data("\(flag) needs a number\n".utf8))
        exit(2)
    }
    return parsed
}
while let argument = arguments.next() {
    switch argument {
    case "--rounds": options.rounds = max(1, number(argument))
    case "--duration": options.duration = Double(value(argument)) ?? options.duration
    case "--dir": options.directory = value(argument)
    case "--submitters": options.submitters = max(1, number(argument))
    case "--latency-commits": options.latencyCommits = max(10, number(argument))
    case "--dequeue-messages": options.dequeueMessages = max(1, number(argument))
    case "--reopen-messages": options.reopenMessages = max(1, number(argument))
    case "--reopen-store": options.reopenStore = value(argument)
    case "--routing-subscriptions": options.routingSubscriptions = max(1, number(argument))
    case "--selector-backlog": options.selectorBacklog = max(1, number(argument))
    case "-h", "--help":
        print(usage)
        exit(0)
    case "enqueue", "latency", "dequeue", "reopen", "sync-modes", "routing", "selector", "all": selected.append(argument)
    default:
        FileHandle.standardError.write(Data("unknown argument \(argument)\n\(usage)\n".utf8))
        exit(2)
    }
}
if selected.isEmpty || selected.contains("all") { selected = ["enqueue", "latency", "dequeue", "reopen", "sync-modes", "routing", "selector"] }

var results: [BenchResult] = []
do {
    for name in selected {
        switch name {
        case "enqueue": results.append(try StoreBench.enqueue(options))
        case "latency": results.append(try StoreBench.latency(options))
        case "dequeue": results.append(try StoreBench.dequeue(options))
        case "reopen": results += try StoreBench.reopen(options)
        case "sync-modes": results += try StoreBench.syncModes(options)
        case "routing": results.append(try StoreBench.routing(options))
        case "selector": results += try StoreBench.selector(options)
        default: break
        }
    }
} catch {
    FileHandle.standardError.write(Data("benchmark failed: \(error)\n".utf8))
    exit(1)
}
print("\n== summary (median of \(options.rounds) rounds)")
for result in results { print(result.line) }
let failed = results.filter { $0.passed == false }
print(failed.isEmpty ? "all targets met" : "targets missed: \(failed.map(\.name).joined(separator: ", "))")
exit(failed.isEmpty ? 0 : 3)
