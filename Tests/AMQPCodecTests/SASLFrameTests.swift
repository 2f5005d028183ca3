import NIOCore
import Testing

@testable import AMQPCodec

/// Golden fixtures for the SASL frames of part 5.3: frame header (type 0x01, part 5.3.1) plus body.
@Suite("SASL frames (part 5.3)")
struct SASLFrameTests {
    /// Asserts the SASL body decodes to `performative` inside a SASL frame and encodes back to the frame.
    private func expectSASLFixture(
        _ bodyHex: String,
        _ performative: AMQPSASLPerformative,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let body = ByteBuffer(hex: bodyHex)
        let frameHex = String(format32: body.readableBytes + 8) + "02 01 00 00 " + body.hexString
        let units = try decodeFrames(frameHex, afterHeader: .sasl)
        #expect(units == [.saslFrame(performative)], sourceLocation: sourceLocation)
        var encoded = ByteBuffer()
        encoded.writeSASLFrame(performative)
        #expect(encoded.hexString == ByteBuffer(hex: frameHex).hexString, sourceLocation: sourceLocation)
    }

    @Test("5.3.3.1 sasl-mechanisms")
    func mechanisms() throws {
        try expectSASLFixture(
            "00 53 40 c0 15 01 e0 12 02 a3 05" + ascii("PLAIN") + "09" + ascii("ANONYMOUS"),
            .mechanisms(AMQPSASLMechanisms(mechanisms: ["PLAIN", "ANONYMOUS"]))
        )
        // A single symbol is a valid "multiple" value.
        let units = try decodeFrames(
            "00 00 00 15 02 01 00 00 00 53 40 c0 08 01 a3 05" + ascii("PLAIN"),
            afterHeader: .sasl
        )
        #expect(units == [.saslFrame(.mechanisms(AMQPSASLMechanisms(mechanisms: ["PLAIN"])))])
    }

    @Test("5.3.3.2 sasl-init")
    func initial() throws {
        try expectSASLFixture(
            """
            00 53 41 c0 11 03
              a3 05 50 4c 41 49 4e   # mechanism PLAIN
              a0 04 00 75 00 70      # initial-response \\0u\\0p
              a1 01 68               # hostname h
            """.withoutComments,
            .initial(
                AMQPSASLInit(mechanism: "PLAIN", initialResponse: ByteBuffer(bytes: [0, 0x75, 0, 0x70]), hostname: "h")
            )
        )
    }

    @Test("5.3.3.3 sasl-challenge, 5.3.3.4 sasl-response")
    func challengeAndResponse() throws {
        try expectSASLFixture(
            "00 53 42 c0 05 01 a0 02 01 02",
            .challenge(AMQPSASLChallenge(challenge: ByteBuffer(bytes: [1, 2])))
        )
        try expectSASLFixture(
            "00 53 43 c0 04 01 a0 01 03",
            .response(AMQPSASLResponse(response: ByteBuffer(bytes: [3])))
        )
    }

    @Test("5.3.3.5 sasl-outcome with 5.3.3.6 codes")
    func outcome() throws {
        try expectSASLFixture("00 53 44 c0 03 01 50 00", .outcome(AMQPSASLOutcome(code: .ok)))
        try expectSASLFixture(
            "00 53 44 c0 06 02 50 01 a0 01 aa",
            .outcome(AMQPSASLOutcome(code: .auth, additionalData: ByteBuffer(bytes: [0xaa])))
        )
        for (raw, code) in [(2, AMQPSASLCode.sys), (3, .sysPerm), (4, .sysTemp)] {
            try expectSASLFixture("00 53 44 c0 03 01 50 0\(raw)", .outcome(AMQPSASLOutcome(code: code)))
        }
    }

    @Test("Malformed SASL frames")
    func malformed() {
        _ = expectFrameError("00 00 00 0c 02 01 00 00 00 53 40 45", .missingMandatoryField, afterHeader: .sasl)
        _ = expectFrameError("00 00 00 0c 02 01 00 00 00 53 10 45", .unexpectedDescriptor, afterHeader: .sasl)
        _ = expectFrameError("00 00 00 10 02 01 00 00 00 53 44 c0 03 01 50 05", .valueOutOfRange, afterHeader: .sasl)
        _ = expectFrameError("00 00 00 0f 02 01 00 00 00 53 41 c0 02 01 40", .missingMandatoryField, afterHeader: .sasl)
        _ = expectFrameError("00 00 00 0f 02 01 00 00 00 53 42 c0 02 01 40", .missingMandatoryField, afterHeader: .sasl)
        _ = expectFrameError("00 00 00 0f 02 01 00 00 00 53 43 c0 02 01 40", .missingMandatoryField, afterHeader: .sasl)
        // An empty SASL frame is not a heartbeat.
        _ = expectFrameError("00 00 00 08 02 01 00 00", .unexpectedFrameBody, afterHeader: .sasl)
    }
}
