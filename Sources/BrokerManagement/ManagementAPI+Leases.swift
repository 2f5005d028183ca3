import BrokerCore
import BrokerStore
import Hummingbird

/// Drain over HTTP without losing or duplicating a message:
///
/// 1. `POST /api/v1/queues/{name}/receive?max=N&lease=30s[&lease_id=ID][&wait=1s][&raw=1]`
///    leases up to N messages (they stay in the queue, in flight) and returns them with
///    their keys and the lease id.
/// 2. The client stores them durably (writes and fsyncs its file).
/// 3. `POST /api/v1/queues/{name}/ack` `{"lease": ID, "keys": [...]}` removes them.
///
/// A lease not renewed (by receive, ack or release) for its duration ends: its messages
/// go back to the queue, not counted as delivery attempts. `DELETE /api/v1/leases/{id}`
/// ends one at once; `POST .../release` gives some back.
extension ManagementAPI {
    func addLeaseRoutes(_ api: RouterGroup<BasicRequestContext>) {
        api.post("queues/{name}/receive") { request, context in
            let queue = try self.queue(context)
            let max = try Self.intQuery(request, "max", default: 100, range: 1...Self.maximumPage)
            let duration = try Self.durationQuery(request, "lease", default: Self.defaultLease, maximum: Self.maximumLease)
            guard duration >= .milliseconds(100) else { throw ManagementError.badRequest("'lease' must be at least 100ms") }
            let wait = try Self.durationQuery(request, "wait", default: .seconds(1), maximum: .seconds(30))
            let raw = request.uri.queryParameters["raw"].map { $0 == "1" || $0 == "true" } ?? false
            let leaseID = request.uri.queryParameters["lease_id"].map(String.init)
            // The lease must outlive this very wait, whatever the sweeper does meanwhile.
            let lease = self.leases.lease(id: leaseID, queue: queue, duration: duration + wait)
            let deliveries = await lease.receive(max: max, wait: wait)
            lease.renew(duration)
            let seconds = Int((duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000) / 1000)
            return try Self.json(
                ReceiveResult(
                    lease: lease.id,
                    leaseSeconds: seconds,
                    messages: deliveries.map { MessageView($0, includeRaw: raw) },
                    remaining: queue.statistics.messageCount
                )
            )
        }

        api.post("queues/{name}/ack") { request, context in
            try await self.settle(request, context) { lease, keys in lease.acknowledge(keys) }
        }

        api.post("queues/{name}/release") { request, context in
            try await self.settle(request, context) { lease, keys in lease.release(keys) }
        }

        api.delete("leases/{id}") { _, context in
            let id = try Self.parameter("id", context)
            guard self.leases.end(id) else {
                throw ManagementError.notFound("no lease '\(id)' (it ended or expired; its messages are back in the queue)")
            }
            return try Self.json(["ended": id])
        }
    }

    private func settle(
        _ request: Request,
        _ context: BasicRequestContext,
        _ action: (ManagementConsumer, [EntryKey]) -> (settled: [EntryKey], unknown: [EntryKey])
    ) async throws -> Response {
        let queue = try self.queue(context)
        let body = try await Self.decode(SettleRequest.self, from: request)
        var keys: [EntryKey] = []
        for text in body.keys {
            guard let key = EntryKeyText.parse(text) else { throw ManagementError.badRequest("'\(text)' is not a message key") }
            keys.append(key)
        }
        guard let lease = self.leases.existing(body.lease), lease.queue === queue, !lease.isEnded else {
            // Nothing settled: the lease expired and its messages went back to the queue.
            throw ManagementError(
                .conflict,
                "lease-expired",
                "lease '\(body.lease)' on queue '\(queue.name)' has ended; its messages are back in the queue and were not settled"
            )
        }
        lease.renew(Self.defaultLease)
        let (settled, unknown) = action(lease, keys)
        return try Self.json(SettleResult(settled: settled.map(EntryKeyText.format), unknown: unknown.map(EntryKeyText.format)))
    }
}
