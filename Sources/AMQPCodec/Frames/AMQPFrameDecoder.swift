import NIOCore

/// Splits the byte stream of an AMQP connection into protocol headers and frames (part 2.3) and decodes
/// their bodies. Short reads return nil with the reader index untouched; malformed input throws an
/// `AMQPDecodingError` for the engine to turn into a close.
///
/// It starts expecting a protocol header. After a SASL header it decodes SASL frames and recognises the
/// AMQP header the client sends after the SASL outcome by its "AMQP" prefix (no SASL frame can be that
/// large), so pipelined clients work without the engine switching modes in time; `expectProtocolHeader()`
/// switches explicitly, for example after TLS.
public struct AMQPFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = AMQPInbound

    /// The limit before open negotiates one: the spec's MIN-MAX-FRAME-SIZE is 512, but real clients
    /// send larger open frames, so the default is more generous.
    public static let defaultMaximumFrameSize: UInt32 = 64 * 1024

    private enum State {
        case expectingProtocolHeader
        case expectingSASLFrames
        case expectingAMQPFrames
    }

    /// Frames declaring a larger size fail with `frameTooLarge` before any of their body is buffered.
    public var maximumFrameSize: UInt32
    private var state: State

    /// - Parameters:
    ///   - maximumFrameSize: the largest frame accepted; raise or lower it once open is negotiated.
    ///   - expectingProtocolHeader: false to start with AMQP frames, for a stream whose header was
    ///     already consumed.
    public init(
        maximumFrameSize: UInt32 = AMQPFrameDecoder.defaultMaximumFrameSize,
        expectingProtocolHeader: Bool = true
    ) {
        self.maximumFrameSize = maximumFrameSize
        self.state = expectingProtocolHeader ? .expectingProtocolHeader : .expectingAMQPFrames
    }

    /// Makes the next unit a protocol header, as after a TLS upgrade.
    public mutating func expectProtocolHeader() {
        self.state = .expectingProtocolHeader
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> AMQPInbound? {
        switch self.state {
        case .expectingProtocolHeader:
            return try self.decodeProtocolHeader(buffer: &buffer)
        case .expectingSASLFrames:
            if buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) == AMQPProtocolHeader.prefix {
                return try self.decodeProtocolHeader(buffer: &buffer)
            }
            return try self.decodeFrame(buffer: &buffer)
        case .expectingAMQPFrames:
            return try self.decodeFrame(buffer: &buffer)
        }
    }

    /// The size of the next unit in `buffer` (a protocol header or a frame), as far as its first
    /// bytes tell: a frame's declared size once its size field is complete, before that the size
    /// field's length. A reader holding part of a unit adds only the rest of it before decoding.
    public func sizeOfNextUnit(in buffer: ByteBuffer) -> Int {
        switch self.state {
        case .expectingProtocolHeader:
            return AMQPProtocolHeader.size
        case .expectingSASLFrames, .expectingAMQPFrames:
            guard let declaredSize = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
                return MemoryLayout<UInt32>.size
            }
            if case .expectingSASLFrames = self.state, declaredSize == AMQPProtocolHeader.prefix {
                return AMQPProtocolHeader.size
            }
            return AMQPDecoder.length(declaredSize)
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> AMQPInbound? {
        // A partial frame at EOF is simply dropped: the connection is gone either way.
        try self.decode(buffer: &buffer)
    }

    private mutating func decodeProtocolHeader(buffer: inout ByteBuffer) throws -> AMQPInbound? {
        // Fail on the first wrong byte rather than waiting for eight from, say, an HTTP client.
        let prefixBytesAvailable = min(buffer.readableBytes, 4)
        for index in 0..<prefixBytesAvailable {
            let expected = UInt8(truncatingIfNeeded: AMQPProtocolHeader.prefix >> (24 - 8 * index))
            guard buffer.getInteger(at: buffer.readerIndex + index, as: UInt8.self) == expected else {
                throw AMQPDecodingError(code: .invalidProtocolHeader, context: "protocol header", offset: index)
            }
        }
        guard buffer.readableBytes >= AMQPProtocolHeader.size else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let protocolID = buffer.readInteger(as: UInt8.self),
            let major = buffer.readInteger(as: UInt8.self),
            let minor = buffer.readInteger(as: UInt8.self),
            let revision = buffer.readInteger(as: UInt8.self)
        else {
            return nil  // Unreachable: eight bytes were checked above.
        }
        let header = AMQPProtocolHeader(
            protocolID: .init(rawValue: protocolID),
            major: major,
            minor: minor,
            revision: revision
        )
        switch header.protocolID {
        case .amqp: self.state = .expectingAMQPFrames
        case .sasl: self.state = .expectingSASLFrames
        default: self.state = .expectingProtocolHeader
        }
        return .protocolHeader(header)
    }

    private func decodeFrame(buffer: inout ByteBuffer) throws -> AMQPInbound? {
        guard let declaredSize = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        let size = AMQPDecoder.length(declaredSize)
        guard size >= AMQPFrameHeader.size else {
            throw AMQPDecodingError(
                code: .frameTooSmall,
                context: "frame",
                offset: 0,
                size: size,
                limit: AMQPFrameHeader.size
            )
        }
        guard declaredSize <= self.maximumFrameSize else {
            throw AMQPDecodingError(
                code: .frameTooLarge,
                context: "frame",
                offset: 0,
                size: size,
                limit: AMQPDecoder.length(self.maximumFrameSize)
            )
        }
        // doff, type and channel in one read: each ByteBuffer call has a fixed cost.
        guard buffer.readableBytes >= size,
            let header = buffer.getInteger(at: buffer.readerIndex, as: UInt64.self)
        else {
            return nil
        }
        let dataOffset = UInt8(truncatingIfNeeded: header >> 24)
        let frameType = UInt8(truncatingIfNeeded: header >> 16)
        let channel = UInt16(truncatingIfNeeded: header)
        let bodyOffset = Int(dataOffset) * AMQPFrameHeader.dataOffsetUnit
        guard dataOffset >= AMQPFrameHeader.minimumDataOffset, bodyOffset <= size else {
            throw AMQPDecodingError(code: .invalidDataOffset, context: "frame", offset: 4, size: Int(dataOffset))
        }
        guard frameType == AMQPFrameType.amqp || frameType == AMQPFrameType.sasl else {
            throw AMQPDecodingError(code: .unsupportedFrameType, context: "frame", offset: 5, formatCode: frameType)
        }
        guard var body = buffer.getSlice(at: buffer.readerIndex + bodyOffset, length: size - bodyOffset) else {
            return nil  // Unreachable: size bytes were checked above.
        }
        // The frame is complete: consume it whatever its body holds.
        buffer.moveReaderIndex(forwardBy: size)

        if body.readableBytes == 0 {
            guard frameType == AMQPFrameType.amqp else {
                throw AMQPDecodingError(code: .unexpectedFrameBody, context: "sasl frame", offset: bodyOffset)
            }
            return .heartbeat
        }
        if frameType == AMQPFrameType.sasl {
            return .saslFrame(
                try AMQPDecoder.decode(&body, offsetOfFirstByte: bodyOffset) { try AMQPSASLPerformative(decoder: &$0) }
            )
        }
        let performative = try AMQPDecoder.decode(&body, offsetOfFirstByte: bodyOffset) {
            try AMQPPerformative(decoder: &$0)
        }
        return .frame(AMQPFrame(channel: channel, performative: performative, payload: body))
    }
}
