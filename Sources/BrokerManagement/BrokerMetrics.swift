import BrokerCore
import BrokerStore
import CoreMetrics
import Metrics
import NIOConcurrencyHelpers
import Prometheus

private typealias Counter = CoreMetrics.Counter
private typealias Gauge = CoreMetrics.Gauge
private typealias FloatingPointCounter = CoreMetrics.FloatingPointCounter

/// The node's metrics, through swift-metrics with a Prometheus registry behind them.
///
/// Engines count traffic with `messagesReceived`/`messagesSent` (counters); depths, sizes
/// and connection counts are gauges read from the broker at scrape time (`refresh`), so
/// nothing is computed between scrapes. The factory is injected, not bootstrapped
/// globally, so tests can make as many as they like.
public final class BrokerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// Counters by name and protocol; the lock only guards the dictionary.
    private let counters = NIOLockedValueBox<[String: Counter]>([:])
    private let gauges = NIOLockedValueBox<[String: Gauge]>([:])
    /// Gauge keys with a queue or uplink label set by the last refresh, to drop the ones gone since.
    private let labelledGaugeKeys = NIOLockedValueBox<Set<String>>([])
    private let lastStoreSnapshot = NIOLockedValueBox<StoreStatistics.Snapshot?>(nil)
    private let lastTraffic = NIOLockedValueBox<[String: ConnectionRegistry.TrafficTotals]>([:])

    private let storeCommits: Counter
    private let storeCommitSeconds: FloatingPointCounter
    private let storeRefusals: Counter
    private let storeShortLivedEntries: Counter

    public init() {
        self.registry = PrometheusCollectorRegistry()
        self.factory = PrometheusMetricsFactory(registry: self.registry)
        self.storeCommits = Counter(label: "outpost_store_commits_total", factory: self.factory)
        self.storeCommitSeconds = FloatingPointCounter(label: "outpost_store_commit_duration_seconds_total", factory: self.factory)
        self.storeRefusals = Counter(label: "outpost_store_refused_submissions_total", factory: self.factory)
        self.storeShortLivedEntries = Counter(label: "outpost_store_short_lived_entries_total", factory: self.factory)
    }

    // MARK: Counters the engines increment

    /// Messages accepted from producers of `protocolName` ("amqp", "mqtt", "management").
    public func messagesReceived(protocol protocolName: String, count: Int = 1) {
        self.counter("outpost_messages_in_total", protocolName).increment(by: count)
    }

    /// Messages delivered to consumers of `protocolName`.
    public func messagesSent(protocol protocolName: String, count: Int = 1) {
        self.counter("outpost_messages_out_total", protocolName).increment(by: count)
    }

    /// A client connection was accepted.
    public func connectionOpened(protocol protocolName: String) {
        self.counter("outpost_connections_opened_total", protocolName).increment()
    }

    private func counter(_ name: String, _ protocolName: String) -> Counter {
        let key = name + "\u{0}" + protocolName
        if let counter = self.counters.withLockedValue({ $0[key] }) { return counter }
        let counter = Counter(label: name, dimensions: [("protocol", protocolName)], factory: self.factory)
        self.counters.withLockedValue { $0[key] = counter }
        return counter
    }

    private func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> Gauge {
        let key = ([name] + dimensions.flatMap { [$0.0, $0.1] }).joined(separator: "\u{0}")
        return self.gauges.withLockedValue { gauges in
            if let gauge = gauges[key] { return gauge }
            let gauge = Gauge(label: name, dimensions: dimensions, factory: self.factory)
            gauges[key] = gauge
            return gauge
        }
    }

    // MARK: Scrape

    /// Sets the gauges from the broker, the connections, the store and the uplinks.
    public func refresh(broker: Broker, connections: ConnectionRegistry, uplinks: [UplinkStatus]) {
        var byProtocol: [String: Int] = ["amqp": 0, "mqtt": 0]
        for connection in connections.all { byProtocol[connection.protocolName, default: 0] += 1 }
        for (protocolName, count) in byProtocol {
            self.gauge("outpost_connections", [("protocol", protocolName)]).record(count)
        }
        // Message counters advance by what the engines reported since the previous scrape.
        let traffic = connections.trafficTotals
        let previousTraffic = self.lastTraffic.withLockedValue { last in
            let previous = last
            // Keep the highest totals seen: a delivery handed back lowers a total for a
            // moment, and counting its re-send again would count it twice.
            for (protocolName, totals) in traffic {
                let before = previous[protocolName] ?? ConnectionRegistry.TrafficTotals()
                last[protocolName] = ConnectionRegistry.TrafficTotals(
                    messagesIn: max(before.messagesIn, totals.messagesIn),
                    messagesOut: max(before.messagesOut, totals.messagesOut)
                )
            }
            return previous
        }
        for (protocolName, totals) in traffic {
            let before = previousTraffic[protocolName] ?? ConnectionRegistry.TrafficTotals()
            let received = totals.messagesIn - before.messagesIn
            let sent = totals.messagesOut - before.messagesOut
            if received > 0 { self.messagesReceived(protocol: protocolName, count: received) }
            if sent > 0 { self.messagesSent(protocol: protocolName, count: sent) }
        }

        var labelled = Set<String>()
        let queues = broker.queues
        var totalMessages = 0
        var totalBytes = 0
        for queue in queues {
            let statistics = queue.statistics
            totalMessages += statistics.messageCount
            totalBytes += statistics.byteCount
            let labels = [("queue", queue.name)]
            self.gauge("outpost_queue_messages", labels).record(statistics.messageCount)
            self.gauge("outpost_queue_bytes", labels).record(statistics.byteCount)
            self.gauge("outpost_queue_consumers", labels).record(statistics.consumerCount)
            self.gauge("outpost_queue_in_flight", labels).record(statistics.inFlight)
            for name in ["outpost_queue_messages", "outpost_queue_bytes", "outpost_queue_consumers", "outpost_queue_in_flight"] {
                labelled.insert(name + "\u{0}queue\u{0}" + queue.name)
            }
        }
        self.gauge("outpost_queues").record(queues.count)
        self.gauge("outpost_messages").record(totalMessages)
        self.gauge("outpost_messages_bytes").record(totalBytes)

        let size = broker.store.size
        self.gauge("outpost_store_used_bytes").record(size.used)
        self.gauge("outpost_store_map_bytes").record(size.mapSize)
        self.gauge("outpost_store_max_bytes").record(broker.store.configuration.maxSize)
        let snapshot = broker.store.statistics.snapshot
        let previous = self.lastStoreSnapshot.withLockedValue { last in
            defer { last = snapshot }
            return last
        }
        // Counters advance by what the store counted since the previous scrape.
        let commits = snapshot.commits - (previous?.commits ?? 0)
        let nanoseconds = snapshot.commitNanoseconds - (previous?.commitNanoseconds ?? 0)
        let refused = snapshot.refusedSubmissions - (previous?.refusedSubmissions ?? 0)
        self.storeCommits.increment(by: max(0, commits))
        self.storeCommitSeconds.increment(by: Double(max(0, nanoseconds)) / 1e9)
        self.storeRefusals.increment(by: max(0, refused))
        self.storeShortLivedEntries.increment(by: max(0, snapshot.shortLivedEntries - (previous?.shortLivedEntries ?? 0)))
        // Mean commit latency since the previous scrape (or since start on the first one).
        if commits > 0 {
            self.gauge("outpost_store_commit_latency_seconds").record(Double(nanoseconds) / Double(commits) / 1e9)
            self.gauge("outpost_store_commit_batch_size").record(Double(snapshot.submissions - (previous?.submissions ?? 0)) / Double(commits))
        }

        for uplink in uplinks {
            let labels = [("uplink", uplink.name)]
            self.gauge("outpost_uplink_connected", labels).record(uplink.connected ? 1 : 0)
            self.gauge("outpost_uplink_backlog_messages", labels).record(uplink.backlogMessages)
            self.gauge("outpost_uplink_backlog_bytes", labels).record(uplink.backlogBytes)
            self.gauge("outpost_uplink_send_rate", labels).record(uplink.sendRate)
            self.gauge("outpost_uplink_sent_total", labels).record(uplink.sentTotal)
            self.gauge("outpost_uplink_rejected_total", labels).record(uplink.rejectedTotal)
            self.gauge("outpost_uplink_received_total", labels).record(uplink.receivedTotal)
            let names = [
                "outpost_uplink_connected", "outpost_uplink_backlog_messages", "outpost_uplink_backlog_bytes", "outpost_uplink_send_rate",
                "outpost_uplink_sent_total", "outpost_uplink_rejected_total", "outpost_uplink_received_total",
            ]
            for name in names {
                labelled.insert(name + "\u{0}uplink\u{0}" + uplink.name)
            }
        }

        // Queues and uplinks gone since the last scrape lose their series.
        let gone = self.labelledGaugeKeys.withLockedValue { keys in
            defer { keys = labelled }
            return keys.subtracting(labelled)
        }
        for key in gone {
            if let gauge = self.gauges.withLockedValue({ $0.removeValue(forKey: key) }) {
                gauge.destroy()
            }
        }
    }

    /// The Prometheus text exposition (format 0.0.4).
    public func exposition() -> String {
        self.registry.emitToString()
    }
}
