import MQTTCodec
import NIOCore
import NIOTestUtils
import Testing

/// A packet and the exact bytes the specification says it is on the wire.
struct GoldenFixture: Sendable, CustomTestStringConvertible {
    /// Where in the specification the layout comes from.
    var section: String
    var version: MQTTProtocolVersion
    var hex: String
    var packet: MQTTPacket

    init(_ section: String, _ version: MQTTProtocolVersion, hex: String, _ packet: MQTTPacket) {
        self.section = section
        self.version = version
        self.hex = hex
        self.packet = packet
    }

    var bytes: ByteBuffer { ByteBuffer(hex: self.hex) }

    var testDescription: String { "\(self.version) \(self.section) \(self.packet.packetType)" }

    /// decode(bytes) == packet, encode(packet) == bytes, and the decoder survives drip-feeding.
    func verify() throws {
        var input = self.bytes
        var decoder = MQTTPacketDecoder(protocolVersion: self.packet.packetType == .connect ? nil : self.version)
        let decoded = try decoder.decodePacket(from: &input)
        #expect(decoded == self.packet)
        #expect(input.readableBytes == 0)

        var encoded = ByteBuffer()
        try self.packet.encode(into: &encoded, version: self.version)
        #expect(encoded.hexDump == self.bytes.hexDump)

        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(self.bytes, [self.packet])],
            decoderFactory: { MQTTPacketDecoder(protocolVersion: self.version) }
        )
    }
}

extension String {
    var buffer: ByteBuffer { ByteBuffer(string: self) }
}
