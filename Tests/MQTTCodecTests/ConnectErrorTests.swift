import MQTTCodec
import NIOCore
import Testing

extension MalformedFixture {
    static let connect: [MalformedFixture] = [
        // MQTT 5.0 section 3.1.2.1: the server may answer CONNACK 0x84 to a wrong protocol name.
        MalformedFixture(
            "protocol name MQTX", nil, hex: "10 0c 00 04 4d 51 54 58 04 02 00 3c 00 00",
            .invalidProtocolName, .unsupportedProtocolVersion, field: "Protocol Name"
        ),
        // MQTT 3.1 (name MQIsdp, level 3) is not supported: CONNACK 0x01 in 3.1.1 format.
        MalformedFixture(
            "MQTT 3.1", nil, hex: "10 0e 00 06 4d 51 49 73 64 70 03 02 00 3c 00 00",
            .unsupportedProtocolVersion, .unsupportedProtocolVersion, field: "Protocol Name"
        ),
        // MQTT 3.1.1 section 3.1.2.2 and MQTT 5.0 section 3.1.2.2: unsupported level, CONNACK 0x01 / 0x84.
        MalformedFixture(
            "protocol level 3", nil, hex: "10 0c 00 04 4d 51 54 54 03 02 00 3c 00 00",
            .unsupportedProtocolVersion, .unsupportedProtocolVersion, field: "Protocol Level"
        ),
        MalformedFixture(
            "protocol level 6", nil, hex: "10 0c 00 04 4d 51 54 54 06 02 00 3c 00 00",
            .unsupportedProtocolVersion, .unsupportedProtocolVersion, field: "Protocol Level"
        ),
        // MQTT-3.1.2-3: the reserved flag must be 0.
        MalformedFixture(
            "reserved connect flag", nil, hex: "10 0c 00 04 4d 51 54 54 04 03 00 3c 00 00",
            .invalidConnectFlags, .malformedPacket, field: "Connect Flags"
        ),
        // MQTT-3.1.2-11 (5.0) / MQTT-3.1.2-13 (3.1.1): Will QoS 0 without Will Flag.
        MalformedFixture(
            "will QoS without will", nil, hex: "10 0c 00 04 4d 51 54 54 04 0a 00 3c 00 00",
            .invalidConnectFlags, .malformedPacket, field: "Connect Flags"
        ),
        // MQTT-3.1.2-13 (5.0) / MQTT-3.1.2-15 (3.1.1): Will Retain 0 without Will Flag.
        MalformedFixture(
            "will retain without will", nil, hex: "10 0c 00 04 4d 51 54 54 05 22 00 3c 00 00",
            .invalidConnectFlags, .malformedPacket, field: "Connect Flags"
        ),
        // MQTT-3.1.2-12 (5.0) / MQTT-3.1.2-14 (3.1.1): Will QoS 3.
        MalformedFixture(
            "will QoS 3", nil, hex: "10 0c 00 04 4d 51 54 54 04 1e 00 3c 00 00",
            .invalidQoS, .malformedPacket, field: "Will QoS"
        ),
        // MQTT-3.1.2-22 (3.1.1): no password without a user name.
        MalformedFixture(
            "3.1.1 password without user name", nil, hex: "10 0f 00 04 4d 51 54 54 04 42 00 3c 00 00 00 01 70",
            .invalidConnectFlags, .malformedPacket, field: "Connect Flags"
        ),
        // MQTT-3.1.3-11: the Will Topic is a Topic Name, so no wildcards.
        MalformedFixture(
            "wildcard will topic", nil, hex: "10 11 00 04 4d 51 54 54 04 06 00 3c 00 00 00 01 23 00 00",
            .topicNameInvalid, .topicNameInvalid, field: "Will Topic"
        ),
        MalformedFixture(
            "bytes after the password", nil, hex: "10 11 00 04 4d 51 54 54 04 c2 00 3c 00 00 00 00 00 00 00",
            .trailingBytes, .malformedPacket, field: "CONNECT payload"
        ),
    ]
}

@Suite struct ConnectErrorTests {
    @Test(arguments: MalformedFixture.connect)
    func rejects(_ fixture: MalformedFixture) {
        fixture.verify()
    }

    @Test func version5AllowsAPasswordWithoutUserName() throws {
        // MQTT 5.0 section 3.1.2.9 dropped the 3.1.1 rule.
        var input = ByteBuffer(hex: "10 10 00 04 4d 51 54 54 05 42 00 3c 00 00 00 00 01 70")
        var decoder = MQTTPacketDecoder()
        let packet = try decoder.decodePacket(from: &input)
        #expect(
            packet
                == .connect(
                    MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "", password: ByteBuffer(string: "p"))
                )
        )
    }

    @Test func unsupportedVersionErrorLetsTheEngineAnswerInVersion3Format() throws {
        let error = MalformedFixture.connect[2].verify()
        var connAck = ByteBuffer()
        try MQTTConnAckPacket(reasonCode: try #require(error?.reasonCode)).encode(into: &connAck, version: .v3_1_1)
        #expect(connAck == ByteBuffer(hex: "20 02 00 01"))
    }
}
