import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// Serves the management API over HTTP/1.1 and ends expired drain leases every second.
/// A `Service`: graceful shutdown stops accepting, lets running requests finish, then
/// gives every leased message back.
public final class ManagementServer: Service, Sendable {
    public let api: ManagementAPI
    private let host: String
    private let port: Int
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let running = NIOLockedValueBox<RunState>(RunState())

    private struct RunState {
        var port: Int?
        var failure: (any Error)?
        var waiters: [CheckedContinuation<Int, any Error>] = []
    }

    public init(api: ManagementAPI, host: String, port: Int, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.api = api
        self.host = host
        self.port = port
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    public func run() async throws {
        let app = Application(
            router: self.api.buildRouter(),
            configuration: ApplicationConfiguration(address: .hostname(self.host, port: self.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? self.port
                self.logger.info("listening", metadata: ["outpost.protocol": "management", "outpost.address": "\(self.host):\(port)"])
                self.finishStarting(.success(port))
            },
            eventLoopGroupProvider: .shared(self.eventLoopGroup),
            logger: self.logger
        )
        do {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    try await app.run()
                }
                group.addTask {
                    // Lease expiry until graceful shutdown cancels the sleep.
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        do {
                            try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
                        } catch {
                            break
                        }
                        self.api.expireLeases()
                    }
                }
            }
        } catch {
            let failure = ManagementServerError(description: "cannot listen for management on \(self.host):\(self.port): \(error)")
            self.finishStarting(.failure(failure))
            self.api.endAllLeases()
            throw failure
        }
        self.finishStarting(.failure(ManagementServerError(description: "the management server stopped")))
        self.api.endAllLeases()
    }

    /// Waits until the listener is bound; returns the port (useful when 0 was asked for).
    public func waitUntilRunning() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Int, any Error>? = self.running.withLockedValue { state in
                if let port = state.port { return .success(port) }
                if let failure = state.failure { return .failure(failure) }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    private func finishStarting(_ result: Result<Int, any Error>) {
        let waiters = self.running.withLockedValue { state -> [CheckedContinuation<Int, any Error>] in
            guard state.port == nil, state.failure == nil else { return [] }
            switch result {
            case .success(let port): state.port = port
            case .failure(let error): state.failure = error
            }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}

public struct ManagementServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Whether the node is ready (`/readyz`): set by the daemon once everything listens,
/// cleared when it starts stopping.
public final class ReadinessFlag: Sendable {
    private let value = NIOLockedValueBox(false)
    public init() {}
    public var isReady: Bool { self.value.withLockedValue { $0 } }
    public func set(_ ready: Bool) { self.value.withLockedValue { $0 = ready } }
}
