import BrokerCore
import BrokerStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// The management HTTP API: JSON under `/api/v1` (bearer token), plus `/healthz`,
/// `/readyz` and `/metrics` (open). Build the router with `buildRouter()`; the daemon
/// serves it with `ManagementServer`, tests with HummingbirdTesting.
///
/// Handlers run in Swift concurrency, never on a NIO event loop thread of the broker;
/// store reads (browse, oldest message age) go to `threadPool`.
public final class ManagementAPI: Sendable {
    public let broker: Broker
    public let connections: ConnectionRegistry
    public let uplinks: any UplinkControl
    public let metrics: BrokerMetrics
    let token: String
    let threadPool: NIOThreadPool
    let readiness: @Sendable () -> Bool
    let logger: Logger
    let leases = LeaseRegistry()
    let rates = QueueRateTracker()

    /// The longest lease a client may ask for, and the default.
    static let maximumLease: Duration = .seconds(600)
    static let defaultLease: Duration = .seconds(30)
    /// Bounds of page and batch sizes, so one request cannot hold the node's memory.
    static let maximumPage = 5000

    public init(
        broker: Broker,
        connections: ConnectionRegistry,
        uplinks: any UplinkControl = NoUplinks(),
        metrics: BrokerMetrics = BrokerMetrics(),
        token: String,
        threadPool: NIOThreadPool = .singleton,
        readiness: @escaping @Sendable () -> Bool = { true },
        logger: Logger = Logger(label: "outpost.management")
    ) {
        self.broker = broker
        self.connections = connections
        self.uplinks = uplinks
        self.metrics = metrics
        self.token = token
        self.threadPool = threadPool
        self.readiness = readiness
        self.logger = logger
    }

    // MARK: Router

    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(logger: self.logger))

        router.get("healthz") { _, _ in
            try Self.json(["status": "ok"])
        }
        router.get("readyz") { _, _ in
            guard self.readiness() else {
                throw ManagementError.unavailable("the node is starting or stopping")
            }
            return try Self.json(["status": "ready"])
        }
        router.get("metrics") { _, _ in
            let uplinks = await self.uplinks.status()
            self.metrics.refresh(broker: self.broker, connections: self.connections, uplinks: uplinks)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: self.metrics.exposition())))
        }

        let api = router.group("api/v1").add(middleware: BearerTokenMiddleware(token: self.token))
        self.addAddressRoutes(api)
        self.addQueueRoutes(api)
        self.addLeaseRoutes(api)
        self.addConnectionRoutes(api)
        self.addUplinkRoutes(api)
        return router
    }

    // MARK: Helpers

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try Self.encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 16 << 20)
        } catch {
            throw ManagementError.badRequest("the request body is larger than 16 MiB")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw ManagementError.badRequest("invalid JSON body: \(Self.describe(error))")
        } catch {
            throw ManagementError.badRequest("invalid JSON body: \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing key '\(key.stringValue)'"
        case .typeMismatch(let type, let context): "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' should be \(type)"
        case .valueNotFound(_, let context): "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' is null"
        case .dataCorrupted(let context): context.debugDescription
        @unknown default: "\(error)"
        }
    }

    /// A path parameter, percent-decoded (queue names may hold '/', sent as %2F).
    static func parameter(_ name: String, _ context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw ManagementError.badRequest("invalid \(name) '\(raw)'")
        }
        return decoded
    }

    func queue(_ context: BasicRequestContext) throws -> Queue {
        let name = try Self.parameter("name", context)
        guard let queue = self.broker.queue(named: name) else {
            throw ManagementError.notFound("no queue named '\(name)' (list them with GET /api/v1/queues or `outpost queue list`)")
        }
        return queue
    }

    static func intQuery(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters[name[...]] else { return value }
        guard let number = Int(String(text)), range.contains(number) else {
            throw ManagementError.badRequest("'\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// Durations as `30s`, `500ms`, `2m` or a plain number of seconds.
    static func durationQuery(_ request: Request, _ name: String, default value: Duration, maximum: Duration) throws -> Duration {
        guard let text = request.uri.queryParameters[name[...]].map(String.init) else { return value }
        guard let duration = Self.parseDuration(text), duration >= .zero, duration <= maximum else {
            throw ManagementError.badRequest("'\(name)' must be a duration like 30s, 500ms or 2m (at most \(maximum)), got '\(text)'")
        }
        return duration
    }

    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, milliseconds) in units where text.hasSuffix(suffix) {
            guard let number = Int64(text.dropLast(suffix.count)) else { continue }
            return .milliseconds(number * milliseconds)
        }
        return Int64(text).map { .seconds($0) }
    }

    /// Runs blocking store work on the thread pool, off every event loop.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await self.threadPool.runIfActive(body)
    }

    static func brokerError(_ error: BrokerError) -> ManagementError {
        switch error.kind {
        case .queueNotFound, .addressNotFound: .notFound(error.detail)
        case .alreadyExists: .conflict(error.detail)
        case .invalidArgument: .badRequest(error.detail)
        case .resourceLimitExceeded: ManagementError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "full", error.detail)
        case .shuttingDown: .unavailable(error.detail)
        case .storeFailure: .internalError(error.detail)
        }
    }

    /// Ends expired drain leases; the server calls this every second.
    @discardableResult
    public func expireLeases() -> Int { self.leases.expire() }

    /// Gives every leased message back (shutdown).
    public func endAllLeases() { self.leases.endAll() }

    var nowMilliseconds: Int64 { self.broker.clock.now() }
}
