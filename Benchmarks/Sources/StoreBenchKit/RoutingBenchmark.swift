import BrokerCore
import BrokerStore
import Foundation
import NIOPosix

extension StoreBench {
    /// Routing cost with 100,000 wildcard subscriptions that do not match the published
    /// address, against the cost with none (one matching subscription in both).
    /// The trie makes the cost depend on the address depth, not on the bindings.
    public static func routing(_ options: BenchOptions) throws -> BenchResult {
        let nonMatching = options.routingSubscriptions
        let lookups = 200_000
        let address = "plant-1/line-3/sensors/temp"
        func measure(_ broker: Broker) -> Double {
            var sink = 0
            let start = nowNanoseconds()
            for _ in 0..<lookups {
                sink &+= broker.route(address).count
            }
            let elapsed = Double(nowNanoseconds() - start)
            precondition(sink == lookups, "exactly one subscription must match")
            return elapsed / Double(lookups)
        }
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        defer { try? pool.syncShutdownGracefully() }
        let emptyDirectory = try makeTemporaryDirectory(options.directory, "routing-empty")
        let fullDirectory = try makeTemporaryDirectory(options.directory, "routing-full")
        defer {
            removeDirectory(emptyDirectory)
            removeDirectory(fullDirectory)
        }
        let emptyStore = try MessageStore(configuration: storeConfiguration(emptyDirectory))
        let fullStore = try MessageStore(configuration: storeConfiguration(fullDirectory))
        defer {
            emptyStore.close()
            fullStore.close()
        }
        let empty = try Broker(store: emptyStore, threadPool: pool)
        let full = try Broker(store: fullStore, threadPool: pool)
        for broker in [empty, full] {
            _ = try broker.subscribe(queueName: "match", filter: "plant-1/+/sensors/#", isDurable: false)
        }
        say("routing: creating \(nonMatching) non-matching wildcard subscriptions")
        for index in 0..<nonMatching {
            // Wildcards at every level, sharing prefixes with the address where they can.
            let filter: String
            switch index % 4 {
            case 0: filter = "plant-\(index)/+/sensors/temp"
            case 1: filter = "plant-1/line-\(index)/+/temp"
            case 2: filter = "+/line-3/sensors/\(index)"
            default: filter = "site-\(index)/#"
            }
            _ = try full.subscribe(queueName: "sub-\(index)", filter: filter, isDurable: false)
        }
        var ratios: [Double] = []
        var figures: [Double] = []
        var baselines: [Double] = []
        for round in 0..<options.rounds {
            let baseline = measure(empty)
            let figure = measure(full)
            figures.append(figure)
            baselines.append(baseline)
            ratios.append(figure / baseline)
            say("routing round \(round + 1): \(format(figure)) ns with \(nonMatching) subscriptions, \(format(baseline)) ns with none")
        }
        return BenchResult(
            name: "routing with \(nonMatching) non-matching wildcard subscriptions",
            figure: median(figures),
            baseline: median(baselines),
            unit: "ns/route",
            baselineName: "no subscriptions",
            ratio: median(ratios),
            target: .atMost(2.0)
        )
    }
}
