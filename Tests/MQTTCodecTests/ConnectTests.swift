import MQTTCodec
import NIOCore
import Testing

extension GoldenFixture {
    static let connect: [GoldenFixture] = [
        // MQTT 3.1.1 section 3.1: protocol name, level 4, flags clean session, keep alive 60, client id "client1".
        GoldenFixture(
            "3.1.1 3.1", .v3_1_1,
            hex: "10 13 00 04 4d 51 54 54 04 02 00 3c 00 07 63 6c 69 65 6e 74 31",
            .connect(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "client1", keepAliveSeconds: 60))
        ),
        // MQTT 3.1.1 sections 3.1.2.3-3.1.3.5: flags 0xEC = user name, password, will retain, will QoS 1, will.
        GoldenFixture(
            "3.1.1 3.1.3", .v3_1_1,
            hex: "10 1d 00 04 4d 51 54 54 04 ec 00 0a 00 01 63 00 03 77 2f 74 00 03 62 79 65 00 01 75 00 01 70",
            .connect(
                MQTTConnectPacket(
                    protocolVersion: .v3_1_1,
                    clientIdentifier: "c",
                    cleanStart: false,
                    keepAliveSeconds: 10,
                    username: "u",
                    password: "p".buffer,
                    will: MQTTWill(topicName: "w/t", payload: "bye".buffer, qos: .atLeastOnce, retain: true)
                )
            )
        ),
        // MQTT 5.0 section 3.1.2.11: properties Session Expiry Interval 3600 (0x11), Receive Maximum 20 (0x21).
        GoldenFixture(
            "5.0 3.1.2.11", .v5,
            hex: "10 17 00 04 4d 51 54 54 05 02 00 1e 08 11 00 00 0e 10 21 00 14 00 02 63 31",
            .connect(
                MQTTConnectPacket(
                    protocolVersion: .v5,
                    clientIdentifier: "c1",
                    keepAliveSeconds: 30,
                    properties: MQTTProperties(sessionExpiryInterval: 3600, receiveMaximum: 20)
                )
            )
        ),
        // MQTT 5.0 sections 3.1.3.2-3.1.3.6: flags 0xD6 = user name, password, will QoS 2, will, clean start;
        // a User Property, an empty client id, will properties Payload Format Indicator and Will Delay Interval.
        GoldenFixture(
            "5.0 3.1.3", .v5,
            hex: "10 2a 00 04 4d 51 54 54 05 d6 00 00 07 26 00 01 61 00 01 62 00 00 07 01 01 18 00 00 00 05 00 01 74 00 02 68 69 00 01 75 00 02 70 77",
            .connect(
                MQTTConnectPacket(
                    protocolVersion: .v5,
                    clientIdentifier: "",
                    keepAliveSeconds: 0,
                    username: "u",
                    password: "pw".buffer,
                    will: MQTTWill(
                        topicName: "t",
                        payload: "hi".buffer,
                        qos: .exactlyOnce,
                        properties: MQTTProperties(payloadFormatIndicator: .utf8, willDelayInterval: 5)
                    ),
                    properties: MQTTProperties(userProperties: [MQTTUserProperty(name: "a", value: "b")])
                )
            )
        ),
    ]
}

@Suite struct ConnectTests {
    @Test(arguments: GoldenFixture.connect)
    func golden(_ fixture: GoldenFixture) throws {
        try fixture.verify()
    }

    @Test func decoderAdoptsTheVersionOfConnect() throws {
        var decoder = MQTTPacketDecoder()
        var input = ByteBuffer(hex: GoldenFixture.connect[2].hex + " 40 03 00 01 10")
        _ = try decoder.decodePacket(from: &input)
        #expect(decoder.protocolVersion == .v5)
        // PUBACK with a reason code only parses as MQTT 5.0.
        let packet = try decoder.decodePacket(from: &input)
        #expect(packet == .pubAck(MQTTPubAckPacket(packetIdentifier: 1, reasonCode: .noMatchingSubscribers)))
    }

    @Test func encodesConnectInItsOwnVersionWhateverTheEncoderVersion() throws {
        let fixture = GoldenFixture.connect[0]
        var encoded = ByteBuffer()
        try MQTTPacketEncoder(protocolVersion: .v5).encode(data: fixture.packet, out: &encoded)
        #expect(encoded == fixture.bytes)
    }
}
