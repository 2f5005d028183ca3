import MQTTCodec
import NIOCore
import Testing

extension GoldenFixture {
    static let control: [GoldenFixture] = [
        // MQTT 3.1.1 sections 3.12 and 3.13, MQTT 5.0 sections 3.12 and 3.13: fixed header only.
        GoldenFixture("3.1.1 3.12", .v3_1_1, hex: "c0 00", .pingReq),
        GoldenFixture("3.1.1 3.13", .v3_1_1, hex: "d0 00", .pingResp),
        GoldenFixture("5.0 3.12", .v5, hex: "c0 00", .pingReq),
        GoldenFixture("5.0 3.13", .v5, hex: "d0 00", .pingResp),
        // MQTT 3.1.1 section 3.14: fixed header only.
        GoldenFixture("3.1.1 3.14", .v3_1_1, hex: "e0 00", .disconnect(MQTTDisconnectPacket())),
        // MQTT 5.0 section 3.14.2.1: Remaining Length 0 means Normal disconnection.
        GoldenFixture("5.0 3.14.2.1", .v5, hex: "e0 00", .disconnect(MQTTDisconnectPacket())),
        // MQTT 5.0 section 3.14.2.1: 0x04 Disconnect with Will Message, Property Length left out.
        GoldenFixture(
            "5.0 3.14.2.1", .v5,
            hex: "e0 01 04",
            .disconnect(MQTTDisconnectPacket(reasonCode: .disconnectWithWillMessage))
        ),
        // MQTT 5.0 section 3.14.2.2: 0x8B Server shutting down, Session Expiry Interval 0, Server Reference "s".
        GoldenFixture(
            "5.0 3.14.2.2", .v5,
            hex: "e0 0b 8b 09 11 00 00 00 00 1c 00 01 73",
            .disconnect(
                MQTTDisconnectPacket(
                    reasonCode: .serverShuttingDown,
                    properties: MQTTProperties(sessionExpiryInterval: 0, serverReference: "s")
                )
            )
        ),
        // MQTT 5.0 section 3.15.2.1: Remaining Length 0 means Success without properties.
        GoldenFixture("5.0 3.15.2.1", .v5, hex: "f0 00", .auth(MQTTAuthPacket())),
        // MQTT 5.0 section 3.15.2.2: 0x18 Continue authentication, method "SCRAM", data 01 02.
        GoldenFixture(
            "5.0 3.15.2.2", .v5,
            hex: "f0 0f 18 0d 15 00 05 53 43 52 41 4d 16 00 02 01 02",
            .auth(
                MQTTAuthPacket(
                    reasonCode: .continueAuthentication,
                    properties: MQTTProperties(
                        authenticationMethod: "SCRAM",
                        authenticationData: ByteBuffer(bytes: [1, 2])
                    )
                )
            )
        ),
    ]
}

@Suite struct ControlPacketTests {
    @Test(arguments: GoldenFixture.control)
    func golden(_ fixture: GoldenFixture) throws {
        try fixture.verify()
    }

    @Test func authDoesNotEncodeInVersion3() {
        var buffer = ByteBuffer()
        #expect(throws: MQTTEncodingError(code: .notAvailableInVersion, packetType: .auth, field: "Packet Type")) {
            try MQTTPacket.auth(MQTTAuthPacket()).encode(into: &buffer, version: .v3_1_1)
        }
    }

    @Test func version3DisconnectDropsTheReason() throws {
        var encoded = ByteBuffer()
        try MQTTDisconnectPacket(reasonCode: .serverBusy).encode(into: &encoded, version: .v3_1_1)
        #expect(encoded == ByteBuffer(hex: "e0 00"))
    }
}
