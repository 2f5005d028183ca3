import Logging
import NIOCore
import NIOPosix

/// A bound TCP listener of one protocol.
struct ProtocolListener {
    let name: String
    let channel: any Channel

    /// Binds `host:port` and runs `initialize` for every accepted connection.
    static func bind(
        name: String,
        host: String,
        port: Int,
        group: any EventLoopGroup,
        logger: Logger,
        initialize: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) throws -> ProtocolListener {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer(initialize)
        do {
            let channel = try bootstrap.bind(host: host, port: port).wait()
            logger.info("listening", metadata: ["outpost.protocol": "\(name)", "outpost.address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            return ProtocolListener(name: name, channel: channel)
        } catch {
            throw ListenerError(description: "cannot listen for \(name) on \(host):\(port): \(error)")
        }
    }

    /// The port actually bound (differs from the requested one when that was 0... or ephemeral).
    var port: Int? { self.channel.localAddress?.port }
}

/// A listener could not be bound (port in use, address not available).
public struct ListenerError: Error, CustomStringConvertible {
    public let description: String
}
