import MQTTCodec
import NIOCore
import Testing

extension GoldenFixture {
    static let publishAcknowledgements: [GoldenFixture] = [
        // MQTT 3.1.1 section 3.4: PUBACK is the packet identifier only.
        GoldenFixture("3.1.1 3.4", .v3_1_1, hex: "40 02 00 01", .pubAck(MQTTPubAckPacket(packetIdentifier: 1))),
        // MQTT 5.0 section 3.4.2.1: Reason Code and properties left out mean Success.
        GoldenFixture("5.0 3.4.2.1", .v5, hex: "40 02 00 01", .pubAck(MQTTPubAckPacket(packetIdentifier: 1))),
        // MQTT 5.0 section 3.4.2.2: Reason Code 0x10 No matching subscribers, Property Length left out.
        GoldenFixture(
            "5.0 3.4.2.2", .v5,
            hex: "40 03 00 01 10",
            .pubAck(MQTTPubAckPacket(packetIdentifier: 1, reasonCode: .noMatchingSubscribers))
        ),
        // MQTT 5.0 section 3.4.2.2.2: Reason Code 0x87 with Reason String "no".
        GoldenFixture(
            "5.0 3.4.2.2.2", .v5,
            hex: "40 09 00 01 87 05 1f 00 02 6e 6f",
            .pubAck(
                MQTTPubAckPacket(
                    packetIdentifier: 1,
                    reasonCode: .notAuthorized,
                    properties: MQTTProperties(reasonString: "no")
                )
            )
        ),
        // MQTT 3.1.1 section 3.5.
        GoldenFixture("3.1.1 3.5", .v3_1_1, hex: "50 02 00 02", .pubRec(MQTTPubRecPacket(packetIdentifier: 2))),
        // MQTT 5.0 section 3.5.2.1: Reason Code 0x91 Packet Identifier in use.
        GoldenFixture(
            "5.0 3.5.2.1", .v5,
            hex: "50 03 00 02 91",
            .pubRec(MQTTPubRecPacket(packetIdentifier: 2, reasonCode: .packetIdentifierInUse))
        ),
        // MQTT 3.1.1 section 3.6.1: PUBREL fixed header flags are 0010.
        GoldenFixture("3.1.1 3.6", .v3_1_1, hex: "62 02 00 03", .pubRel(MQTTPubRelPacket(packetIdentifier: 3))),
        // MQTT 5.0 section 3.6.2.1: Reason Code 0x92 Packet Identifier not found.
        GoldenFixture(
            "5.0 3.6.2.1", .v5,
            hex: "62 03 00 03 92",
            .pubRel(MQTTPubRelPacket(packetIdentifier: 3, reasonCode: .packetIdentifierNotFound))
        ),
        // MQTT 3.1.1 section 3.7.
        GoldenFixture("3.1.1 3.7", .v3_1_1, hex: "70 02 00 04", .pubComp(MQTTPubCompPacket(packetIdentifier: 4))),
        // MQTT 5.0 section 3.7.2.2: Success written out because a User Property follows.
        GoldenFixture(
            "5.0 3.7.2.2", .v5,
            hex: "70 0b 00 04 00 07 26 00 01 61 00 01 62",
            .pubComp(
                MQTTPubCompPacket(
                    packetIdentifier: 4,
                    properties: MQTTProperties(userProperties: [MQTTUserProperty(name: "a", value: "b")])
                )
            )
        ),
    ]
}

@Suite struct PublishAcknowledgementTests {
    @Test(arguments: GoldenFixture.publishAcknowledgements)
    func golden(_ fixture: GoldenFixture) throws {
        try fixture.verify()
    }

    @Test func acceptsSuccessWithAnEmptyPropertyList() throws {
        // MQTT 5.0 section 3.4.2.2: a Property Length of 0 may be sent although it could be left out.
        var input = ByteBuffer(hex: "40 04 00 01 00 00")
        var decoder = MQTTPacketDecoder(protocolVersion: .v5)
        #expect(try decoder.decodePacket(from: &input) == .pubAck(MQTTPubAckPacket(packetIdentifier: 1)))
    }

    @Test func version3DropsReasonCodeAndProperties() throws {
        let packet = MQTTPubAckPacket(
            packetIdentifier: 7,
            reasonCode: .quotaExceeded,
            properties: MQTTProperties(reasonString: "full")
        )
        var encoded = ByteBuffer()
        try packet.encode(into: &encoded, version: .v3_1_1)
        #expect(encoded == ByteBuffer(hex: "40 02 00 07"))
    }
}
