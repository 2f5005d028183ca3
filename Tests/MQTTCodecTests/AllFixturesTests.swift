import MQTTCodec
import NIOCore
import NIOTestUtils
import Testing

extension GoldenFixture {
    static let all: [GoldenFixture] =
        connect + connAck + publish + publishAcknowledgements + subscribe + subAck + unsubscribe + unsubAck + control
}

/// Runs each version's fixtures through one decoder as a stream: batched, drip-fed and shuffled.
@Suite struct AllFixturesTests {
    @Test(arguments: MQTTProtocolVersion.allCases)
    func streamOfAllFixtures(_ version: MQTTProtocolVersion) throws {
        let fixtures = GoldenFixture.all.filter { $0.version == version }
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: fixtures.map { ($0.bytes, [$0.packet]) },
            decoderFactory: { MQTTPacketDecoder(protocolVersion: version) }
        )
    }

    @Test(arguments: GoldenFixture.all)
    func everyProperPrefixIsAShortRead(_ fixture: GoldenFixture) throws {
        let bytes = fixture.bytes
        for length in 0..<bytes.readableBytes {
            var prefix = bytes.getSlice(at: 0, length: length) ?? ByteBuffer()
            var decoder = MQTTPacketDecoder(protocolVersion: fixture.version)
            #expect(try decoder.decodePacket(from: &prefix) == nil)
            #expect(prefix.readerIndex == 0)
        }
    }

    @Test func everyPacketTypeHasFixturesInBothVersions() {
        for version in MQTTProtocolVersion.allCases {
            let types = Set(GoldenFixture.all.filter { $0.version == version }.map(\.packet.packetType))
            let expected = Set(MQTTPacketType.allCases.filter { version == .v5 || $0 != .auth })
            #expect(types == expected, "\(version)")
        }
    }
}
