import MQTTCodec
import NIOCore
import Testing

/// A golden fixture whose Remaining Length is cut to `bodyLength`, as if a peer framed a packet that ends
/// inside a field.
struct TruncatedFixture: Sendable, CustomTestStringConvertible {
    var fixture: GoldenFixture
    var bodyLength: Int
    var field: String

    var testDescription: String { "\(self.fixture.testDescription) cut to \(self.bodyLength): \(self.field)" }

    var bytes: ByteBuffer { Self.reframe(self.fixture.bytes, bodyLength: self.bodyLength) }

    /// Keeps the first byte, writes a one-byte Remaining Length and the first `bodyLength` body bytes.
    static func reframe(_ packet: ByteBuffer, bodyLength: Int) -> ByteBuffer {
        precondition(bodyLength < 128 && (packet.getInteger(at: 1, as: UInt8.self) ?? 0) < 128)
        var result = ByteBuffer()
        result.writeInteger(packet.getInteger(at: 0, as: UInt8.self) ?? 0)
        result.writeInteger(UInt8(bodyLength))
        result.writeBytes(packet.getBytes(at: 2, length: bodyLength) ?? [])
        return result
    }
}

extension TruncatedFixture {
    static let all: [TruncatedFixture] = [
        // MQTT 3.1.1 CONNECT with will, user name and password: field offsets in the body.
        TruncatedFixture(fixture: GoldenFixture.connect[1], bodyLength: 0, field: "Protocol Name"),
        TruncatedFixture(fixture: GoldenFixture.connect[1], bodyLength: 3, field: "Protocol Name"),
        TruncatedFixture(fixture: GoldenFixture.connect[1], bodyLength: 6, field: "Protocol Level"),
        TruncatedFixture(fixture: GoldenFixture.connect[1], bodyLength: 7, field: "Connect Flags"),
        TruncatedFixture(fixture: GoldenFixture.connect[1], bodyLength: 9, field: "Keep Alive"),
        TruncatedFixture(fixture: GoldenFixture.connect[1], bodyLength: 12, field: "Client Identifier"),
        TruncatedFixture(fixture: GoldenFixture.connect[1], bodyLength: 15, field: "Will Topic"),
        TruncatedFixture(fixture: GoldenFixture.connect[1], bodyLength: 20, field: "Will Payload"),
        TruncatedFixture(fixture: GoldenFixture.connect[1], bodyLength: 24, field: "User Name"),
        TruncatedFixture(fixture: GoldenFixture.connect[1], bodyLength: 27, field: "Password"),
        // MQTT 5.0 CONNECT: properties and will properties.
        TruncatedFixture(fixture: GoldenFixture.connect[3], bodyLength: 10, field: "Property Length"),
        TruncatedFixture(fixture: GoldenFixture.connect[3], bodyLength: 14, field: "Properties"),
        TruncatedFixture(fixture: GoldenFixture.connect[3], bodyLength: 20, field: "Will Properties Length"),
        TruncatedFixture(fixture: GoldenFixture.connect[3], bodyLength: 25, field: "Properties"),
        TruncatedFixture(fixture: GoldenFixture.connect[3], bodyLength: 29, field: "Will Topic"),
        // CONNACK.
        TruncatedFixture(fixture: GoldenFixture.connAck[0], bodyLength: 0, field: "Connect Acknowledge Flags"),
        TruncatedFixture(fixture: GoldenFixture.connAck[0], bodyLength: 1, field: "Connect Return Code"),
        TruncatedFixture(fixture: GoldenFixture.connAck[4], bodyLength: 1, field: "Connect Reason Code"),
        TruncatedFixture(fixture: GoldenFixture.connAck[4], bodyLength: 2, field: "Property Length"),
        // MQTT 5.0 PUBLISH with properties.
        TruncatedFixture(fixture: GoldenFixture.publish[2], bodyLength: 1, field: "Topic Name"),
        TruncatedFixture(fixture: GoldenFixture.publish[2], bodyLength: 4, field: "Packet Identifier"),
        TruncatedFixture(fixture: GoldenFixture.publish[2], bodyLength: 5, field: "Property Length"),
        TruncatedFixture(fixture: GoldenFixture.publish[2], bodyLength: 10, field: "Properties"),
        // Acknowledgements.
        TruncatedFixture(fixture: GoldenFixture.publishAcknowledgements[0], bodyLength: 1, field: "Packet Identifier"),
        TruncatedFixture(fixture: GoldenFixture.publishAcknowledgements[3], bodyLength: 4, field: "Properties"),
        // SUBSCRIBE and friends.
        TruncatedFixture(fixture: GoldenFixture.subscribe[0], bodyLength: 1, field: "Packet Identifier"),
        TruncatedFixture(fixture: GoldenFixture.subscribe[0], bodyLength: 6, field: "Topic Filter"),
        TruncatedFixture(fixture: GoldenFixture.subscribe[0], bodyLength: 7, field: "Subscription Options"),
        TruncatedFixture(fixture: GoldenFixture.subscribe[1], bodyLength: 2, field: "Property Length"),
        TruncatedFixture(fixture: GoldenFixture.subAck[1], bodyLength: 1, field: "Packet Identifier"),
        TruncatedFixture(fixture: GoldenFixture.unsubscribe[0], bodyLength: 4, field: "Topic Filter"),
        TruncatedFixture(fixture: GoldenFixture.unsubAck[1], bodyLength: 2, field: "Property Length"),
        TruncatedFixture(fixture: GoldenFixture.control[7], bodyLength: 5, field: "Properties"),
        TruncatedFixture(fixture: GoldenFixture.control[9], bodyLength: 1, field: "Property Length"),
    ]
}

@Suite struct TruncationTests {
    @Test(arguments: TruncatedFixture.all)
    func reportsTheTruncatedField(_ truncated: TruncatedFixture) {
        var decoder = MQTTPacketDecoder(protocolVersion: truncated.fixture.version)
        var input = truncated.bytes
        let error = #expect(throws: MQTTDecodingError.self) { try decoder.decodePacket(from: &input) }
        #expect(error?.code == .truncated, "\(String(describing: error))")
        #expect(error?.reasonCode == .malformedPacket)
        #expect(error?.field == truncated.field, "\(String(describing: error))")
    }

    /// MQTT 5.0 section 2.2.2.2: a property value cut by the end of the property list.
    @Test(arguments: [
        ("30 06 00 01 74 02 02 00", "Message Expiry Interval"),
        ("30 08 00 01 74 04 26 00 01 61", "User Property value"),
        ("30 05 00 01 74 01 80", "Property Identifier"),
        ("30 06 00 01 74 02 03 00", "Content Type"),
        ("30 07 00 01 74 03 09 00 05", "Correlation Data"),
        ("30 06 00 01 74 02 0b 80", "Subscription Identifier"),
    ])
    func reportsTheTruncatedProperty(_ hex: String, _ field: String) {
        var decoder = MQTTPacketDecoder(protocolVersion: .v5)
        var input = ByteBuffer(hex: hex)
        let error = #expect(throws: MQTTDecodingError.self) { try decoder.decodePacket(from: &input) }
        #expect(error?.code == .truncated)
        #expect(error?.field == field, "\(String(describing: error))")
    }

    /// Cutting any golden packet at any byte never traps and never yields the original packet.
    @Test(arguments: GoldenFixture.all)
    func everyCutIsRejectedOrDifferent(_ fixture: GoldenFixture) {
        let bytes = fixture.bytes
        let bodyLength = bytes.readableBytes - 2
        for cut in 0..<max(bodyLength, 0) {
            var decoder = MQTTPacketDecoder(protocolVersion: fixture.version)
            var input = TruncatedFixture.reframe(bytes, bodyLength: cut)
            if let packet = try? decoder.decodePacket(from: &input) {
                #expect(packet != fixture.packet, "cut to \(cut)")
            }
        }
    }
}
