import NIOCore

extension ByteBuffer {
    /// Writes one AMQP frame: header, performative and payload (for a transfer, the message bytes).
    @discardableResult
    public mutating func writeAMQPFrame(
        channel: UInt16,
        performative: AMQPPerformative,
        payload: ByteBuffer? = nil
    ) -> Int {
        let start = self.beginFrame(type: AMQPFrameType.amqp, channel: channel)
        self.writeAMQPPerformative(performative)
        if let payload {
            self.writeImmutableBuffer(payload)
        }
        return self.endFrame(start: start)
    }

    @discardableResult
    public mutating func writeAMQPFrame(_ frame: AMQPFrame) -> Int {
        self.writeAMQPFrame(channel: frame.channel, performative: frame.performative, payload: frame.payload)
    }

    /// Writes one SASL frame (type 0x01, channel 0).
    @discardableResult
    public mutating func writeSASLFrame(_ performative: AMQPSASLPerformative) -> Int {
        let start = self.beginFrame(type: AMQPFrameType.sasl, channel: 0)
        self.writeSASLPerformative(performative)
        return self.endFrame(start: start)
    }

    /// Writes an empty AMQP frame, which peers treat as a heartbeat.
    @discardableResult
    public mutating func writeAMQPHeartbeat() -> Int {
        let start = self.beginFrame(type: AMQPFrameType.amqp, channel: 0)
        return self.endFrame(start: start)
    }

    /// Writes any unit the decoder can yield; the reverse of `AMQPFrameDecoder`.
    @discardableResult
    public mutating func writeAMQPInbound(_ unit: AMQPInbound) -> Int {
        switch unit {
        case .protocolHeader(let header): return self.writeAMQPProtocolHeader(header)
        case .frame(let frame): return self.writeAMQPFrame(frame)
        case .saslFrame(let performative): return self.writeSASLFrame(performative)
        case .heartbeat: return self.writeAMQPHeartbeat()
        }
    }

    /// Writes the frame header with a placeholder size; returns the frame's start index.
    private mutating func beginFrame(type: UInt8, channel: UInt16) -> Int {
        let start = self.writerIndex
        // size (patched later), doff, type, channel as one 8-byte write.
        let header = UInt64(AMQPFrameHeader.minimumDataOffset) << 24 | UInt64(type) << 16 | UInt64(channel)
        self.writeInteger(header)
        return start
    }

    private mutating func endFrame(start: Int) -> Int {
        let size = self.writerIndex - start
        self.setInteger(UInt32(truncatingIfNeeded: size), at: start)
        return size
    }
}
