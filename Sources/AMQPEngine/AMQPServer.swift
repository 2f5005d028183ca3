import BrokerCore
import Logging
import NIOCore

/// Sets up the pipeline of an accepted AMQP connection.
public enum AMQPServer {
    public static func configure(
        channel: any Channel,
        broker: Broker,
        connections: ConnectionRegistry,
        settings: AMQPServerSettings,
        logger: Logger
    ) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let handler = AMQPChannelHandler(
                configuration: settings.stateMachineConfiguration,
                broker: broker,
                connections: connections,
                users: settings.users,
                logger: logger
            )
            try channel.pipeline.syncOperations.addHandler(handler)
        }
    }
}
