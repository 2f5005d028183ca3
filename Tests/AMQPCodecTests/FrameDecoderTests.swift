import NIOCore
import NIOTestUtils
import Testing

@testable import AMQPCodec

/// Frames (part 2.3), protocol headers (part 2.2, 5.2.1) and the frame decoder's checks.
@Suite("Frames (part 2.3)")
struct FrameDecoderTests {
    static let openBody = "00 53 10 c0 04 01 a1 01 78"
    static let transferBody = "00 53 14 c0 09 05 43 52 05 a0 01 01 43 42"
    static let messagePayload = "00 53 75 a0 05" + ascii("hello")

    static var openFrame: AMQPInbound { .frame(AMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "x")))) }

    static var transferFrame: AMQPInbound {
        .frame(
            AMQPFrame(
                channel: 3,
                performative: .transfer(
                    AMQPTransfer(
                        handle: 0,
                        deliveryID: 5,
                        deliveryTag: ByteBuffer(bytes: [1]),
                        messageFormat: 0,
                        settled: false
                    )
                ),
                payload: ByteBuffer(hex: messagePayload)
            )
        )
    }

    @Test("2.2 protocol headers AMQP 0 1.0.0, 5.2.1 SASL 3 1.0.0, 5.2.2 TLS 2 1.0.0")
    func protocolHeaders() throws {
        for (hex, header) in [
            ("41 4d 51 50 00 01 00 00", AMQPProtocolHeader.amqp),
            ("41 4d 51 50 03 01 00 00", .sasl),
            ("41 4d 51 50 02 01 00 00", .tls),
        ] {
            var decoder = AMQPFrameDecoder()
            var buffer = ByteBuffer(hex: hex)
            #expect(try decoder.decode(buffer: &buffer) == .protocolHeader(header))
            var encoded = ByteBuffer()
            encoded.writeAMQPProtocolHeader(header)
            #expect(encoded.hexString == hex)
        }
        // Other versions decode, so the engine can answer with the version it supports.
        let units = try decodeFrames("41 4d 51 50 00 02 00 00", afterHeader: nil)
        #expect(units == [.protocolHeader(AMQPProtocolHeader(protocolID: .amqp, major: 2))])
        #expect(!AMQPProtocolHeader(protocolID: .amqp, major: 2).isVersion1_0_0)
    }

    @Test("2.3.1 frame layout: size, doff, type, channel; the body follows the (extended) header")
    func frameLayout() throws {
        // size 17 = 8 header + 9 body, doff 2, type AMQP, channel 0.
        let hex = "00 00 00 11 02 00 00 00" + Self.openBody
        #expect(try decodeFrames(hex) == [Self.openFrame])
        var encoded = ByteBuffer()
        encoded.writeAMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "x")))
        #expect(encoded.hexString == ByteBuffer(hex: hex).hexString)

        // doff 3: four bytes of extended header are skipped.
        #expect(try decodeFrames("00 00 00 15 03 00 00 00 de ad be ef" + Self.openBody) == [Self.openFrame])
    }

    @Test("2.7.5 a transfer's payload follows the performative and stays a slice")
    func transferPayload() throws {
        let body = ByteBuffer(hex: Self.transferBody + Self.messagePayload)
        let hex = String(format32: body.readableBytes + 8) + "02 00 00 03" + body.hexString
        let units = try decodeFrames(hex)
        #expect(units == [Self.transferFrame])
        var encoded = ByteBuffer()
        encoded.writeAMQPFrame(
            channel: 3,
            performative: .transfer(
                AMQPTransfer(
                    handle: 0,
                    deliveryID: 5,
                    deliveryTag: ByteBuffer(bytes: [1]),
                    messageFormat: 0,
                    settled: false
                )
            ),
            payload: ByteBuffer(hex: Self.messagePayload)
        )
        #expect(encoded.hexString == ByteBuffer(hex: hex).hexString)
    }

    @Test("2.4.5 empty frames are heartbeats")
    func heartbeat() throws {
        #expect(try decodeFrames("00 00 00 08 02 00 00 00") == [.heartbeat])
        #expect(try decodeFrames("00 00 00 0c 03 00 00 07 00 00 00 00") == [.heartbeat])
        var encoded = ByteBuffer()
        encoded.writeAMQPHeartbeat()
        #expect(encoded.hexString == "00 00 00 08 02 00 00 00")
    }

    @Test("Short reads return nil and leave the reader index where it was")
    func shortReads() throws {
        var decoder = AMQPFrameDecoder()
        let full = ByteBuffer(hex: "41 4d 51 50 00 01 00 00 00 00 00 11 02 00 00 00" + Self.openBody)
        for length in [0, 3, 7] {
            var partial = full.getSlice(at: 0, length: length) ?? ByteBuffer()
            #expect(try decoder.decode(buffer: &partial) == nil)
            #expect(partial.readerIndex == 0)
        }
        var buffer = full
        #expect(try decoder.decode(buffer: &buffer) == .protocolHeader(.amqp))
        for length in [0, 3, 4, 8, 16] {
            var partial = buffer.getSlice(at: buffer.readerIndex, length: length) ?? ByteBuffer()
            let start = partial.readerIndex
            #expect(try decoder.decode(buffer: &partial) == nil)
            #expect(partial.readerIndex == start)
        }
        #expect(try decoder.decode(buffer: &buffer) == Self.openFrame)
        #expect(buffer.readableBytes == 0)
    }

    @Test("5.3 SASL layer: SASL header, SASL frames, then the AMQP header again, even when pipelined")
    func saslThenAMQP() throws {
        var stream = ByteBuffer()
        stream.writeAMQPProtocolHeader(.sasl)
        stream.writeSASLFrame(.initial(AMQPSASLInit(mechanism: "ANONYMOUS")))
        stream.writeAMQPProtocolHeader(.amqp)
        stream.writeAMQPFrame(channel: 0, performative: .open(AMQPOpen(containerID: "x")))
        var decoder = AMQPFrameDecoder()
        var units: [AMQPInbound] = []
        while let unit = try decoder.decode(buffer: &stream) {
            units.append(unit)
        }
        #expect(
            units == [
                .protocolHeader(.sasl), .saslFrame(.initial(AMQPSASLInit(mechanism: "ANONYMOUS"))),
                .protocolHeader(.amqp), Self.openFrame,
            ]
        )
        // After TLS the engine asks for the header explicitly.
        var tls = ByteBuffer(hex: "41 4d 51 50 02 01 00 00")
        var tlsDecoder = AMQPFrameDecoder()
        #expect(try tlsDecoder.decode(buffer: &tls) == .protocolHeader(.tls))
        tlsDecoder.expectProtocolHeader()
        var amqp = ByteBuffer(hex: "41 4d 51 50 00 01 00 00")
        #expect(try tlsDecoder.decode(buffer: &amqp) == .protocolHeader(.amqp))
    }

    @Test("Drip-fed, batched and shuffled through ByteToMessageDecoderVerifier")
    func verifier() throws {
        func frame(_ body: String, type: UInt8 = 0, channel: UInt16 = 0) -> ByteBuffer {
            let bodyBuffer = ByteBuffer(hex: body)
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt32(bodyBuffer.readableBytes + 8))
            buffer.writeInteger(UInt8(2))
            buffer.writeInteger(type)
            buffer.writeInteger(channel)
            buffer.writeImmutableBuffer(bodyBuffer)
            return buffer
        }
        let pairs: [(ByteBuffer, [AMQPInbound])] = [
            (frame(Self.openBody), [Self.openFrame]),
            (frame(Self.transferBody + Self.messagePayload, channel: 3), [Self.transferFrame]),
            (frame(""), [.heartbeat]),
            (frame("00 53 17 45", channel: 1), [.frame(AMQPFrame(channel: 1, performative: .end(AMQPEnd())))]),
            (frame("00 53 44 c0 03 01 50 00", type: 1), [.saslFrame(.outcome(AMQPSASLOutcome(code: .ok)))]),
            (
                {
                    var two = frame("")
                    two.writeImmutableBuffer(frame("00 53 18 45"))
                    return two
                }(), [.heartbeat, .frame(AMQPFrame(channel: 0, performative: .close(AMQPClose())))]
            ),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            AMQPFrameDecoder(expectingProtocolHeader: false)
        }
    }

    @Test("Frame size below the 8-byte header")
    func frameTooSmall() {
        let error = expectFrameError("00 00 00 07 02 00 00 00", .frameTooSmall)
        #expect(error?.size == 7)
        #expect(error?.limit == 8)
        _ = expectFrameError("00 00 00 00", .frameTooSmall)
    }

    @Test("Frame size above max-frame-size fails before the body is buffered")
    func frameTooLarge() throws {
        var decoder = AMQPFrameDecoder(maximumFrameSize: 512, expectingProtocolHeader: false)
        // Only the 4 size bytes have arrived.
        var buffer = ByteBuffer(hex: "00 00 02 01")
        #expect {
            try decoder.decode(buffer: &buffer)
        } throws: { error in
            guard let error = error as? AMQPDecodingError else { return false }
            return error.code == .frameTooLarge && error.size == 513 && error.limit == 512
        }
        let huge = expectFrameError("ff ff ff ff", .frameTooLarge)
        #expect(huge?.size == 0xffff_ffff)
        #expect(huge?.limit == Int(AMQPFrameDecoder.defaultMaximumFrameSize))
        // Exactly the limit is fine.
        decoder.maximumFrameSize = 17
        var exact = ByteBuffer(hex: "00 00 00 11 02 00 00 00" + Self.openBody)
        #expect(try decoder.decode(buffer: &exact) == Self.openFrame)
    }

    @Test("Data offset below 2 or past the frame end")
    func invalidDataOffset() {
        _ = expectFrameError("00 00 00 08 01 00 00 00", .invalidDataOffset)
        _ = expectFrameError("00 00 00 08 00 00 00 00", .invalidDataOffset)
        _ = expectFrameError("00 00 00 08 03 00 00 00", .invalidDataOffset)
        _ = expectFrameError("00 00 00 0c ff 00 00 00 00 00 00 00", .invalidDataOffset)
    }

    @Test("Unknown frame types")
    func unsupportedFrameType() {
        let error = expectFrameError("00 00 00 08 02 05 00 00", .unsupportedFrameType)
        #expect(error?.formatCode == 5)
    }

    @Test("A protocol header that is not AMQP fails on the first wrong byte")
    func invalidProtocolHeader() {
        _ = expectFrameError("47 45 54 20 2f 20 48 54", .invalidProtocolHeader, afterHeader: nil)
        var decoder = AMQPFrameDecoder()
        var early = ByteBuffer(hex: "48")  // "H" of an HTTP request
        #expect(throws: AMQPDecodingError.self) { try decoder.decode(buffer: &early) }
    }

    @Test("Body errors report offsets from the frame start")
    func bodyErrorOffsets() {
        // The open performative's container-id is a uint, at frame offset 8 + 6.
        let error = expectFrameError("00 00 00 10 02 00 00 00 00 53 10 c0 03 01 52 01", .unexpectedFormatCode)
        #expect(error?.context == "open.container-id")
        #expect(error?.offset == 14)
        _ = expectFrameError("00 00 00 0c 02 00 00 00 00 53 99 45", .unexpectedDescriptor)
        // A performative whose list claims more bytes than the frame holds.
        _ = expectFrameError("00 00 00 0d 02 00 00 00 00 53 10 c0 09", .sizeExceedsRemainingBytes)
    }
}
