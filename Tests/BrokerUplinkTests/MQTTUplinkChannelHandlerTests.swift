import BrokerCore
import BrokerStore
import MQTTCodec
import NIOCore
import NIOEmbedded
import Testing

@testable import BrokerUplink

@Suite struct MQTTUplinkChannelHandlerTests {
    final class IgnoredEvents: UplinkConnectionEvents {
        func outcome(of key: EntryKey, _ outcome: RemoteOutcome) {}
        func inboundArrived(_ message: IncomingMessage, receipt: UplinkInboundReceipt?, on connection: any UplinkConnection) {}
        func problemReported(_ problem: String) {}
        func connectionClosed(error: String) {}
    }

    /// The handler keeps its channel context while it is in the pipeline; kept after
    /// `handlerRemoved`, the context and the handler held each other, and every reconnect of an
    /// MQTT uplink left a connection's worth of memory behind.
    @Test func aClosedUplinkConnectionFreesItsHandler() throws {
        weak var released: MQTTUplinkChannelHandler?
        let events = IgnoredEvents()
        try {
            let channel = EmbeddedChannel()
            let connected = channel.eventLoop.makePromise(of: (any UplinkConnection).self)
            let machine = MQTTUplinkClientStateMachine(clientID: "edge", username: nil, password: nil, keepAliveSeconds: 30)
            let handler = MQTTUplinkChannelHandler(machine: machine, clock: SystemClock(), events: events, connected: connected)
            released = handler
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1883)).wait()
            #expect(try channel.readOutbound(as: ByteBuffer.self) != nil, "no CONNECT written")
            var connAck = ByteBuffer()
            try MQTTPacket.connAck(MQTTConnAckPacket()).encode(into: &connAck, version: .v3_1_1)
            try channel.writeInbound(connAck)
            let connection = try connected.futureResult.wait()
            #expect((connection as? MQTTUplinkChannelHandler) === handler)
            _ = try channel.finish(acceptAlreadyClosed: true)
        }()
        #expect(released == nil)
    }
}
