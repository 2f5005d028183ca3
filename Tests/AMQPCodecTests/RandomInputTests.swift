import NIOCore
import Testing

@testable import AMQPCodec

/// The decoders are total: any byte string either decodes or throws `AMQPDecodingError`; nothing traps.
@Suite("Random input")
struct RandomInputTests {
    /// Random bytes, biased towards constructor bytes and small sizes so that inputs get past the first check.
    static func randomInput(using random: inout SeededRandomNumberGenerator) -> [UInt8] {
        let interesting: [UInt8] = [
            0x00, 0x40, 0x41, 0x45, 0x52, 0x53, 0x70, 0x80, 0xa0, 0xa1, 0xa3, 0xb0, 0xc0, 0xc1, 0xd0, 0xe0, 0xf0, 0x10,
            0x14, 0x24, 0x34, 0x73, 0x75, 0x77, 0x02, 0x01, 0xff,
        ]
        let length = Int.random(in: 0...48, using: &random)
        return (0..<length).map { _ in
            Bool.random(using: &random)
                ? interesting[Int.random(in: 0..<interesting.count, using: &random)]
                : UInt8.random(in: 0...255, using: &random)
        }
    }

    @Test("200,000 random byte strings through every decoder only return or throw AMQPDecodingError")
    func randomBytes() {
        var random = SeededRandomNumberGenerator(seed: 2026)
        var decoded = 0
        var rejected = 0
        for iteration in 0..<200_000 {
            let input = ByteBuffer(bytes: Self.randomInput(using: &random))
            do {
                switch iteration % 4 {
                case 0:
                    var frameInput = ByteBuffer()
                    frameInput.writeInteger(UInt32(input.readableBytes + 8))
                    frameInput.writeInteger(UInt8(2))
                    frameInput.writeInteger(UInt8(iteration % 8 == 0 ? 0 : 1))
                    frameInput.writeInteger(UInt16(0))
                    frameInput.writeImmutableBuffer(input)
                    var decoder = AMQPFrameDecoder(expectingProtocolHeader: false)
                    while let _ = try decoder.decode(buffer: &frameInput) {}
                case 1:
                    var buffer = input
                    _ = try AMQPValue(decoding: &buffer)
                case 2:
                    let message = try AMQPEncodedMessage(parsing: input)
                    _ = try message.decodeApplicationProperties()
                    _ = try message.decodeBody()
                default:
                    var buffer = input
                    _ = try AMQPPerformative(decoding: &buffer)
                }
                decoded += 1
            } catch is AMQPDecodingError {
                rejected += 1
            } catch {
                Issue.record("unexpected error type \(error)")
            }
        }
        #expect(decoded + rejected == 200_000)
        #expect(decoded > 0)
    }
}
