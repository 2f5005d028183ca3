import MQTTCodec
import NIOCore
import Testing

/// The decoder is total: whatever the bytes, it returns a packet, returns nil or throws.
@Suite struct RandomInputTests {
    /// SplitMix64, so every run feeds the same inputs.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var value = self.state
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            return value ^ (value >> 31)
        }
    }

    @Test(arguments: [MQTTProtocolVersion?.none, .v3_1_1, .v5])
    func randomBytesOnlyReturnOrThrow(_ version: MQTTProtocolVersion?) {
        var generator = SeededGenerator(state: 0x4D51_5454 &+ UInt64(version?.rawValue ?? 0))
        let fixtures = GoldenFixture.all.map(\.bytes)
        var decodedPackets = 0
        for iteration in 0..<70_000 {
            var input: ByteBuffer
            if iteration % 2 == 0 {
                // Pure noise, with a plausible first byte half the time.
                let length = Int.random(in: 0...48, using: &generator)
                input = ByteBuffer(bytes: (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            } else {
                // A golden fixture with a few bytes flipped: gets past the framing far more often.
                input = fixtures[Int.random(in: 0..<fixtures.count, using: &generator)]
                for _ in 0..<Int.random(in: 1...3, using: &generator) where input.readableBytes > 0 {
                    let index = Int.random(in: 0..<input.readableBytes, using: &generator)
                    input.setInteger(UInt8.random(in: 0...255, using: &generator), at: index)
                }
            }
            var decoder = MQTTPacketDecoder(protocolVersion: version, maximumPacketSize: 1 << 20)
            while let packet = try? decoder.decodePacket(from: &input) {
                decodedPackets += 1
                _ = packet
            }
        }
        #expect(decodedPackets > 0)
    }
}
