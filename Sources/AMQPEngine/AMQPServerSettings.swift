import BrokerCore
import NIOCore

/// Settings of the AMQP listener.
public struct AMQPServerSettings: Sendable {
    /// Clients may connect without SASL or with SASL ANONYMOUS.
    public var allowAnonymous: Bool
    public var users: UserDirectory
    /// This broker's container id in `open`.
    public var containerID: String
    public var maxFrameSize: UInt32
    /// Our idle timeout announced in `open`; a peer silent for longer is closed.
    public var idleTimeout: TimeAmount
    public var channelMax: UInt16
    public var handleMax: UInt32
    /// The largest message (all its transfers together) a producer may send.
    public var maxMessageSize: Int
    /// Credit each producer link keeps open.
    public var producerCreditWindow: UInt32

    public init(
        allowAnonymous: Bool,
        users: UserDirectory,
        containerID: String,
        maxFrameSize: UInt32 = 1 << 20,
        idleTimeout: TimeAmount = .seconds(60),
        channelMax: UInt16 = 255,
        handleMax: UInt32 = 1023,
        maxMessageSize: Int = 64 << 20,
        producerCreditWindow: UInt32 = 500
    ) {
        self.allowAnonymous = allowAnonymous
        self.users = users
        self.containerID = containerID
        self.maxFrameSize = maxFrameSize
        self.idleTimeout = idleTimeout
        self.channelMax = channelMax
        self.handleMax = handleMax
        self.maxMessageSize = maxMessageSize
        self.producerCreditWindow = producerCreditWindow
    }

    var stateMachineConfiguration: AMQPConnectionStateMachine.Configuration {
        let idle = self.idleTimeout.nanoseconds / 1_000_000
        return AMQPConnectionStateMachine.Configuration(
            containerID: self.containerID,
            maximumFrameSize: max(512, self.maxFrameSize),
            channelMax: self.channelMax,
            handleMax: self.handleMax,
            idleTimeout: idle > 0 ? UInt32(clamping: idle) : nil,
            allowAnonymous: self.allowAnonymous,
            offersPlain: !self.users.isEmpty,
            maximumMessageSize: self.maxMessageSize,
            producerCreditWindow: self.producerCreditWindow
        )
    }
}
