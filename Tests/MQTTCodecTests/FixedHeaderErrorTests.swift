import MQTTCodec
import NIOCore
import Testing

extension MalformedFixture {
    static let fixedHeader: [MalformedFixture] = [
        // MQTT 5.0 section 2.1.2: packet type 0 is reserved.
        MalformedFixture("type 0", .v5, hex: "00 00", .reservedPacketType, .malformedPacket, field: "Packet Type"),
        // MQTT 3.1.1 section 2.2.1: type 15 is reserved before MQTT 5.0 made it AUTH.
        MalformedFixture("AUTH in 3.1.1", .v3_1_1, hex: "f0 00", .reservedPacketType, .malformedPacket, field: "Packet Type"),
        // MQTT 5.0 section 2.1.3: PUBREL, SUBSCRIBE, UNSUBSCRIBE flags must be 0010, all others 0000.
        MalformedFixture(
            "PUBREL flags 0000", .v5, hex: "60 02 00 01",
            .invalidFixedHeaderFlags, .malformedPacket, field: "Fixed Header Flags"
        ),
        MalformedFixture(
            "SUBSCRIBE flags 0000", .v3_1_1, hex: "80 06 00 01 00 01 74 00",
            .invalidFixedHeaderFlags, .malformedPacket, field: "Fixed Header Flags"
        ),
        MalformedFixture(
            "UNSUBSCRIBE flags 0011", .v3_1_1, hex: "a3 05 00 01 00 01 74",
            .invalidFixedHeaderFlags, .malformedPacket, field: "Fixed Header Flags"
        ),
        MalformedFixture(
            "CONNECT flags 0001", nil, hex: "11 00",
            .invalidFixedHeaderFlags, .malformedPacket, field: "Fixed Header Flags"
        ),
        MalformedFixture(
            "PINGREQ flags 1000", .v5, hex: "c8 00",
            .invalidFixedHeaderFlags, .malformedPacket, field: "Fixed Header Flags"
        ),
        // MQTT 5.0 section 3.3.1.2: QoS 3 is malformed.
        MalformedFixture("PUBLISH QoS 3", .v5, hex: "36 06 00 01 74 00 01 00", .invalidQoS, .malformedPacket, field: "QoS"),
        // MQTT-3.3.1-2: DUP must be 0 at QoS 0.
        MalformedFixture(
            "PUBLISH DUP at QoS 0", .v3_1_1, hex: "38 03 00 01 74",
            .invalidFixedHeaderFlags, .malformedPacket, field: "DUP"
        ),
        // MQTT 5.0 section 1.5.5: at most 4 bytes; the fourth may not have the continuation bit.
        MalformedFixture(
            "Remaining Length of 5 bytes", .v5, hex: "30 ff ff ff ff 01",
            .malformedVariableByteInteger, .malformedPacket, field: "Remaining Length"
        ),
        // MQTT-1.5.5-1: the minimum number of bytes must be used.
        MalformedFixture(
            "Remaining Length not minimal", .v5, hex: "c0 80 00",
            .malformedVariableByteInteger, .malformedPacket, field: "Remaining Length"
        ),
        // MQTT 5.0 section 3.1.2.11.4: a packet above the maximum packet size; reason 0x95.
        MalformedFixture(
            "over maximum packet size", .v3_1_1, hex: "30 0a 00 03 61 2f 62 68 65 6c 6c 6f", maximumPacketSize: 11,
            .packetTooLarge, .packetTooLarge, field: "Remaining Length"
        ),
        // MQTT 5.0 section 3.1: the first packet must be CONNECT.
        MalformedFixture(
            "PINGREQ before CONNECT", nil, hex: "c0 00",
            .protocolVersionUnknown, .protocolError, field: "Packet Type"
        ),
        // Remaining Length longer than the fields of the packet.
        MalformedFixture("PINGREQ with a body", .v5, hex: "c0 01 00", .trailingBytes, .malformedPacket, field: "Fixed Header"),
        MalformedFixture(
            "3.1.1 PUBACK with a reason code", .v3_1_1, hex: "40 03 00 01 00",
            .trailingBytes, .malformedPacket, field: "Packet Identifier"
        ),
    ]
}

@Suite struct FixedHeaderErrorTests {
    @Test(arguments: MalformedFixture.fixedHeader)
    func rejects(_ fixture: MalformedFixture) {
        fixture.verify()
    }

    @Test func rejectsAnOversizedPacketBeforeItsBodyArrives() {
        var decoder = MQTTPacketDecoder(protocolVersion: .v5, maximumPacketSize: 1024)
        // PUBLISH announcing 2,097,152 bytes; only the fixed header has arrived.
        var input = ByteBuffer(hex: "30 80 80 80 01")
        let error = #expect(throws: MQTTDecodingError.self) { try decoder.decodePacket(from: &input) }
        #expect(error?.code == .packetTooLarge)
        #expect(error?.reasonCode == .packetTooLarge)
        #expect(error?.detail == "packet of 2097157 bytes exceeds the maximum of 1024")
    }

    @Test func rejectsAnOverlongRemainingLengthBeforeTheFifthByte() {
        var decoder = MQTTPacketDecoder(protocolVersion: .v5)
        var input = ByteBuffer(hex: "30 ff ff ff ff")
        #expect(throws: MQTTDecodingError.self) { try decoder.decodePacket(from: &input) }
    }

    @Test func errorKeepsTheOffendingPacket() {
        let fixture = MalformedFixture.fixedHeader[8]
        let error = fixture.verify()
        #expect(error?.packetBytes == ByteBuffer(hex: fixture.hex))
        #expect(error?.packetType == .publish)
    }

    @Test func largestRemainingLengthIsAccepted() throws {
        var decoder = MQTTPacketDecoder(protocolVersion: .v5)
        // 268,435,455 = ff ff ff 7f: a short read, not an error, with the default maximum.
        var input = ByteBuffer(hex: "30 ff ff ff 7f 00")
        #expect(try decoder.decodePacket(from: &input) == nil)
    }
}
