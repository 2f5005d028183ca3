import BrokerCore
import BrokerStore
import Foundation
import Hummingbird
import NIOConcurrencyHelpers

extension ManagementAPI {
    func addQueueRoutes(_ api: RouterGroup<BasicRequestContext>) {
        api.get("queues") { _, _ in
            let queues = self.broker.queues.sorted { $0.name < $1.name }
            self.rates.retain(only: Set(queues.map(\.name)))
            var views: [QueueView] = []
            for queue in queues { views.append(try await self.view(of: queue)) }
            return try Self.json(QueueList(queues: views))
        }

        api.post("queues") { request, _ in
            let body = try await Self.decode(CreateQueueRequest.self, from: request)
            guard !body.name.isEmpty else { throw ManagementError.badRequest("'name' must not be empty") }
            let routingType: QueueRecord.RoutingType
            switch body.routingType ?? "anycast" {
            case "anycast": routingType = .anycast
            case "multicast": routingType = .multicast
            case let other: throw ManagementError.badRequest("'routingType' must be anycast or multicast, got '\(other)'")
            }
            let existed = self.broker.queue(named: body.name) != nil
            let queue: Queue
            do {
                queue = try self.broker.createQueue(
                    name: body.name,
                    address: body.address ?? body.name,
                    routingType: routingType,
                    isDurable: body.durable ?? true,
                    filter: body.filter
                )
            } catch let error as BrokerError {
                throw Self.brokerError(error)
            }
            return try Self.json(try await self.view(of: queue), status: existed ? .ok : .created)
        }

        api.get("queues/{name}") { _, context in
            try Self.json(try await self.view(of: try self.queue(context)))
        }

        api.delete("queues/{name}") { _, context in
            let queue = try self.queue(context)
            do {
                try self.broker.deleteQueue(named: queue.name)
            } catch let error as BrokerError {
                throw Self.brokerError(error)
            }
            return try Self.json(["deleted": queue.name])
        }

        api.post("queues/{name}/purge") { _, context in
            let queue = try self.queue(context)
            let removed = queue.purge()
            return try Self.json(CountResult(count: removed, operation: "purge"))
        }

        // Browse without consuming: ?limit=N (default 50) &from=KEY (exclusive; the `next` of the previous page).
        api.get("queues/{name}/messages") { request, context in
            let queue = try self.queue(context)
            let limit = try Self.intQuery(request, "limit", default: 50, range: 1...Self.maximumPage)
            let raw = request.uri.queryParameters["raw"].map { $0 == "1" || $0 == "true" } ?? false
            var after: EntryKey?
            if let from = request.uri.queryParameters["from"].map(String.init), !from.isEmpty {
                guard let key = EntryKeyText.parse(from), key.queue == queue.id else {
                    throw ManagementError.badRequest("'from' must be a message key of this queue (the 'next' of a page), got '\(from)'")
                }
                after = key
            }
            let start = after
            let page = try await self.blocking { try queue.browse(limit: limit, after: start) }
            let views = page.map { MessageView($0, includeRaw: raw) }
            let next = page.count == limit ? page.last.map { EntryKeyText.format($0.key) } : nil
            return try Self.json(MessagePage(queue: queue.name, messages: views, next: next))
        }

        api.post("queues/{name}/move") { request, context in
            let queue = try self.queue(context)
            let body = try await Self.decode(MoveRequest.self, from: request)
            guard !body.toAddress.isEmpty else { throw ManagementError.badRequest("'toAddress' must not be empty") }
            if let max = body.max, max < 0 { throw ManagementError.badRequest("'max' must not be negative") }
            let moved = try await self.move(from: queue, to: body.toAddress, max: body.max)
            return try Self.json(CountResult(count: moved, operation: "move"))
        }
    }

    // MARK: Views

    func view(of queue: Queue) async throws -> QueueView {
        let statistics = queue.statistics
        let rates = self.rates.rates(
            queue: queue.name,
            totals: .init(enqueued: statistics.enqueuedTotal, delivered: statistics.deliveredTotal, acknowledged: statistics.acknowledgedTotal),
            now: Double(ContinuousClock.now.durationSinceEpoch)
        )
        var oldestAge: Double?
        if statistics.messageCount > 0 {
            let now = self.nowMilliseconds
            if let oldest = try await self.blocking({ try Self.oldestCreationTime(of: queue) }) {
                oldestAge = max(0, Double(now - oldest) / 1000)
            }
        }
        return QueueView(
            name: queue.name,
            address: queue.address,
            routingType: queue.routingType == .anycast ? "anycast" : "multicast",
            durable: queue.isDurable,
            filter: queue.filter,
            messages: statistics.messageCount,
            bytes: statistics.byteCount,
            inFlight: statistics.inFlight,
            consumers: statistics.consumerCount,
            oldestMessageAgeSeconds: oldestAge,
            enqueuedTotal: statistics.enqueuedTotal,
            deliveredTotal: statistics.deliveredTotal,
            acknowledgedTotal: statistics.acknowledgedTotal,
            enqueueRate: rates.enqueue,
            deliverRate: rates.deliver,
            ackRate: rates.acknowledge
        )
    }

    /// The creation time of the oldest message: the head of each priority level is the
    /// oldest of that level, so one seek per priority present finds it (not a scan).
    static func oldestCreationTime(of queue: Queue) throws -> Int64? {
        var oldest: Int64?
        var priority = 9
        while priority >= 0 {
            let start = EntryKey(queue: queue.id, priority: UInt8(priority), message: MessageID(0))
            guard let head = try queue.browse(limit: 1, after: start).first else { break }
            oldest = min(oldest ?? head.message.creationTime, head.message.creationTime)
            priority = Int(head.key.priority) - 1
        }
        return oldest
    }

    // MARK: Move

    /// Moves ready messages to `address` as a producer would send them (same body,
    /// priority, expiry, origin; a new id). Each original is acknowledged only after its
    /// copy is stored, so a failure leaves it where it was.
    func move(from queue: Queue, to address: String, max: Int?) async throws -> Int {
        let statistics = queue.statistics
        // Bounded by what is ready now: moving to an address this queue is bound to must end.
        var remaining = Swift.min(max ?? Int.max, statistics.messageCount - statistics.inFlight)
        guard remaining > 0 else { return 0 }
        let mover = ManagementConsumer(id: "move", queue: queue, leaseDuration: .seconds(3600))
        mover.attach()
        defer { mover.end() }
        var moved = 0
        while remaining > 0 {
            let batch = await mover.receive(max: Swift.min(remaining, 500), wait: .milliseconds(500))
            if batch.isEmpty { break }
            // Published in queue order (the store keeps submission order), awaited together.
            let incoming = batch.map { delivery in
                IncomingMessage(
                    address: address,
                    priority: delivery.message.priority,
                    isDurable: delivery.message.isDurable,
                    expiration: delivery.message.expiration,
                    origin: delivery.message.origin,
                    body: delivery.message.body
                )
            }
            let results = await self.publishAll(incoming)
            var failure: BrokerError?
            for (delivery, result) in zip(batch, results) {
                switch result {
                case .success:
                    _ = mover.acknowledge([delivery.key])
                    moved += 1
                case .failure(let error):
                    _ = mover.release([delivery.key])
                    failure = failure ?? error
                }
            }
            if let failure {
                if moved == 0 { throw Self.brokerError(failure) }
                break
            }
            remaining -= batch.count
        }
        return moved
    }
}

extension ManagementAPI {
    /// Publishes every message (in order) and waits for all the results.
    func publishAll(_ messages: [IncomingMessage], autoCreateAs routingTypes: AddressRecord.RoutingTypes = .anycast) async -> [Result<Void, BrokerError>] {
        guard !messages.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let collector = ResultCollector(count: messages.count) { continuation.resume(returning: $0) }
            for (index, message) in messages.enumerated() {
                self.broker.publish(message, autoCreateAs: routingTypes) { collector.set(index, $0) }
            }
        }
    }
}

/// Collects one result per index from any thread and calls `done` once with all of them.
final class ResultCollector: Sendable {
    private struct State {
        var results: [Result<Void, BrokerError>?]
        var missing: Int
    }

    private let state: NIOLockedValueBox<State>
    private let done: @Sendable ([Result<Void, BrokerError>]) -> Void

    init(count: Int, done: @escaping @Sendable ([Result<Void, BrokerError>]) -> Void) {
        self.state = NIOLockedValueBox(State(results: Array(repeating: nil, count: count), missing: count))
        self.done = done
    }

    func set(_ index: Int, _ result: Result<Void, BrokerError>) {
        let complete: [Result<Void, BrokerError>]? = self.state.withLockedValue { state in
            guard case .none = state.results[index] else { return nil }
            state.results[index] = result
            state.missing -= 1
            return state.missing == 0 ? state.results.map { $0 ?? .success(()) } : nil
        }
        if let complete { self.done(complete) }
    }
}

extension ContinuousClock.Instant {
    /// Seconds on the continuous clock, for rates.
    fileprivate var durationSinceEpoch: Double {
        let duration = self - ContinuousClock.Instant.referencePoint
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    fileprivate static let referencePoint = ContinuousClock.now
}
