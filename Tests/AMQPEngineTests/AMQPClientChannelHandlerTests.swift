import AMQPCodec
import NIOCore
import NIOEmbedded
import Testing

@testable import AMQPEngine

/// The client handler over an EmbeddedChannel, speaking typed frames both ways.
@Suite struct AMQPClientChannelHandlerTests {
    final class RecordingDelegate: AMQPClientDelegate {
        var events: [String] = []
        func amqpClientOpened() { self.events.append("opened") }
        func amqpClientOutcome(tag: UInt64, state: AMQPDeliveryState) { self.events.append("outcome \(tag) \(state)") }
        func amqpClientReceived(address: String, deliveryID: UInt32, message: ByteBuffer) {
            self.events.append("message \(address) \(deliveryID) \(String(buffer: message))")
        }
        func amqpClientClosed(error: String) { self.events.append("closed \(error)") }
    }

    /// Everything the handler wrote since the last call, decoded.
    func written(_ channel: EmbeddedChannel, _ decoder: inout AMQPFrameDecoder) throws -> [AMQPInbound] {
        var bytes = ByteBuffer()
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&buffer) }
        var units: [AMQPInbound] = []
        while bytes.readableBytes > 0, let unit = try decoder.decode(buffer: &bytes) { units.append(unit) }
        return units
    }

    func frame(_ performative: AMQPPerformative, payload: ByteBuffer = ByteBuffer()) -> AMQPInbound {
        .frame(AMQPFrame(channel: 0, performative: performative, payload: payload))
    }

    @Test func opensSendsAndReportsTheOutcome() throws {
        let delegate = RecordingDelegate()
        let handler = AMQPClientChannelHandler(configuration: .init(containerID: "edge", idleTimeOut: 0), delegate: delegate)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5672)).wait()
        var decoder = AMQPFrameDecoder()
        #expect(try self.written(channel, &decoder) == [.protocolHeader(.sasl)])

        // The peer's whole handshake in one read.
        var input = ByteBuffer()
        input.writeAMQPProtocolHeader(.sasl)
        input.writeSASLFrame(.mechanisms(AMQPSASLMechanisms(mechanisms: ["ANONYMOUS"])))
        input.writeSASLFrame(.outcome(AMQPSASLOutcome(code: .ok)))
        input.writeAMQPProtocolHeader(.amqp)
        input.writeAMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "cloud")))
        input.writeAMQPFrame(channel: 0, performative: .begin(AMQPBegin(remoteChannel: 0, nextOutgoingID: 0, incomingWindow: 100, outgoingWindow: 100)))
        try channel.writeInbound(input)
        let handshake = try self.written(channel, &decoder)
        #expect(handshake.count == 4)  // sasl-init, AMQP header, open, begin
        #expect(handshake[1] == .protocolHeader(.amqp))
        #expect(delegate.events == ["opened"])

        handler.send(address: "q", tag: 42, message: ByteBuffer(string: "payload"))
        guard case .frame(let attachFrame)? = try self.written(channel, &decoder).first, case .attach(let attach) = attachFrame.performative else {
            Issue.record("no attach"); return
        }
        var reply = ByteBuffer()
        reply.writeAMQPFrame(channel: 0, performative: .attach(AMQPAttach(name: attach.name, handle: 9, role: .receiver, target: .target(AMQPTarget(address: "q")))))
        reply.writeAMQPFrame(channel: 0, performative: .flow(AMQPFlow(nextIncomingID: 0, incomingWindow: 100, nextOutgoingID: 0, outgoingWindow: 100, handle: 9, deliveryCount: 0, linkCredit: 10)))
        try channel.writeInbound(reply)
        let transfers = try self.written(channel, &decoder)
        guard case .frame(let transferFrame)? = transfers.first, case .transfer(let transfer) = transferFrame.performative else {
            Issue.record("no transfer: \(transfers)"); return
        }
        #expect(String(buffer: transferFrame.payload) == "payload")
        #expect(transfer.settled == false)

        var disposition = ByteBuffer()
        disposition.writeAMQPFrame(channel: 0, performative: .disposition(AMQPDisposition(role: .receiver, first: transfer.deliveryID ?? 99, settled: true, state: .accepted)))
        try channel.writeInbound(disposition)
        #expect(delegate.events == ["opened", "outcome 42 accepted"])

        var close = ByteBuffer()
        close.writeAMQPFrame(channel: 0, performative: .close(AMQPClose(error: AMQPError(condition: .connectionForced, description: "bye"))))
        try channel.writeInbound(close)
        #expect(try self.written(channel, &decoder) == [self.frame(.close(AMQPClose()))])
        #expect(delegate.events.last == "closed the AMQP peer closed the connection: amqp:connection:forced: bye")
        _ = try? channel.finish()
    }
}
