import MQTTCodec
import NIOCore
import Testing

extension GoldenFixture {
    static let connAck: [GoldenFixture] = [
        // MQTT 3.1.1 section 3.2: flags 0, return code 0 (accepted).
        GoldenFixture("3.1.1 3.2", .v3_1_1, hex: "20 02 00 00", .connAck(MQTTConnAckPacket())),
        // MQTT 3.1.1 section 3.2.2.2: session present.
        GoldenFixture("3.1.1 3.2.2.2", .v3_1_1, hex: "20 02 01 00", .connAck(MQTTConnAckPacket(sessionPresent: true))),
        // MQTT 3.1.1 section 3.2.2.3: return code 0x01 is "unacceptable protocol version" (0x84 in 5.0).
        GoldenFixture(
            "3.1.1 3.2.2.3", .v3_1_1,
            hex: "20 02 00 01",
            .connAck(MQTTConnAckPacket(reasonCode: .unsupportedProtocolVersion))
        ),
        // MQTT 3.1.1 section 3.2.2.3: return code 0x05 is "not authorized" (0x87 in 5.0).
        GoldenFixture(
            "3.1.1 3.2.2.3", .v3_1_1,
            hex: "20 02 00 05",
            .connAck(MQTTConnAckPacket(reasonCode: .notAuthorized))
        ),
        // MQTT 5.0 section 3.2.2.3: Assigned Client Identifier (0x12), Topic Alias Maximum (0x22),
        // Maximum QoS (0x24), Retain Available (0x25).
        GoldenFixture(
            "5.0 3.2.2.3", .v5,
            hex: "20 0f 00 00 0c 12 00 02 69 64 22 00 0a 24 01 25 00",
            .connAck(
                MQTTConnAckPacket(
                    properties: MQTTProperties(
                        assignedClientIdentifier: "id",
                        topicAliasMaximum: 10,
                        maximumQoS: .atLeastOnce,
                        retainAvailable: false
                    )
                )
            )
        ),
        // MQTT 5.0 section 3.2.2.2: reason code 0x87 Not authorized, no properties.
        GoldenFixture("5.0 3.2.2.2", .v5, hex: "20 03 00 87 00", .connAck(MQTTConnAckPacket(reasonCode: .notAuthorized))),
        // MQTT 5.0 section 3.2.2.3: the server capabilities a broker advertises.
        GoldenFixture(
            "5.0 3.2.2.3", .v5,
            hex: "20 1c 01 00 19 11 00 00 00 3c 13 00 1e 1f 00 00 21 00 64 27 00 10 00 00 28 01 29 00 2a 01",
            .connAck(
                MQTTConnAckPacket(
                    sessionPresent: true,
                    properties: MQTTProperties(
                        sessionExpiryInterval: 60,
                        serverKeepAlive: 30,
                        reasonString: "",
                        receiveMaximum: 100,
                        maximumPacketSize: 1_048_576,
                        wildcardSubscriptionAvailable: true,
                        subscriptionIdentifierAvailable: false,
                        sharedSubscriptionAvailable: true
                    )
                )
            )
        ),
    ]
}

@Suite struct ConnAckTests {
    @Test(arguments: GoldenFixture.connAck)
    func golden(_ fixture: GoldenFixture) throws {
        try fixture.verify()
    }

    @Test(arguments: [
        (MQTTReasonCode.banned, "20 02 00 05"),
        (.badAuthenticationMethod, "20 02 00 05"),
        (.clientIdentifierNotValid, "20 02 00 02"),
        (.badUserNameOrPassword, "20 02 00 04"),
        (.serverBusy, "20 02 00 03"),
        (.packetTooLarge, "20 02 00 03"),
    ])
    func mapsVersion5ReasonCodesToVersion3ReturnCodes(_ reasonCode: MQTTReasonCode, _ hex: String) throws {
        var encoded = ByteBuffer()
        try MQTTPacket.connAck(MQTTConnAckPacket(reasonCode: reasonCode)).encode(into: &encoded, version: .v3_1_1)
        #expect(encoded == ByteBuffer(hex: hex))
    }
}
