import MQTTCodec
import NIOCore
import Testing

extension MalformedFixture {
    static let packets: [MalformedFixture] = [
        // MQTT 3.1.1 section 3.2.2.1 / MQTT 5.0 section 3.2.2.1: bits 7-1 of the acknowledge flags are reserved.
        MalformedFixture(
            "CONNACK reserved flag", .v3_1_1, hex: "20 02 02 00",
            .invalidConnAckFlags, .malformedPacket, field: "Connect Acknowledge Flags"
        ),
        // MQTT-3.2.2-4 (3.1.1) / MQTT-3.2.2-6 (5.0): no session present on a refusal.
        MalformedFixture(
            "session present on refusal", .v3_1_1, hex: "20 02 01 05",
            .invalidConnAckFlags, .malformedPacket, field: "Session Present"
        ),
        // MQTT 3.1.1 section 3.2.2.3: return codes 6-255 are reserved.
        MalformedFixture(
            "3.1.1 CONNACK return code 6", .v3_1_1, hex: "20 02 00 06",
            .invalidReasonCode, .malformedPacket, field: "Connect Return Code"
        ),
        // MQTT 5.0 section 3.2.2.2: 0x04 is not a CONNACK reason code.
        MalformedFixture(
            "5.0 CONNACK reason 0x04", .v5, hex: "20 03 00 04 00",
            .invalidReasonCode, .malformedPacket, field: "Connect Reason Code"
        ),
        // MQTT-2.2.1-3: a QoS 1 or 2 PUBLISH needs a non-zero Packet Identifier.
        MalformedFixture(
            "PUBLISH packet identifier 0", .v3_1_1, hex: "32 05 00 01 74 00 00",
            .zeroPacketIdentifier, .protocolError, field: "Packet Identifier"
        ),
        MalformedFixture(
            "PUBREL packet identifier 0", .v5, hex: "62 02 00 00",
            .zeroPacketIdentifier, .protocolError, field: "Packet Identifier"
        ),
        // MQTT 5.0 section 3.4.2.1: 0x92 is a PUBREL/PUBCOMP code, not a PUBACK one.
        MalformedFixture(
            "PUBACK reason 0x92", .v5, hex: "40 03 00 01 92",
            .invalidReasonCode, .malformedPacket, field: "Reason Code"
        ),
        MalformedFixture(
            "PUBCOMP reason 0x80", .v5, hex: "70 03 00 01 80",
            .invalidReasonCode, .malformedPacket, field: "Reason Code"
        ),
        // MQTT-3.8.3-3: SUBSCRIBE has at least one subscription.
        MalformedFixture("SUBSCRIBE without payload", .v3_1_1, hex: "82 02 00 01", .emptyPayload, .protocolError, field: "Topic Filter"),
        // MQTT-3.8.3-4 (3.1.1): bits 7-2 of the requested QoS byte are reserved.
        MalformedFixture(
            "3.1.1 subscription reserved bit", .v3_1_1, hex: "82 06 00 01 00 01 74 04",
            .invalidSubscriptionOptions, .malformedPacket, field: "Subscription Options"
        ),
        // MQTT 5.0 section 3.8.3.1: bits 7-6 are reserved, Retain Handling 3 and QoS 3 are invalid.
        MalformedFixture(
            "5.0 subscription reserved bit", .v5, hex: "82 07 00 01 00 00 01 74 40",
            .invalidSubscriptionOptions, .malformedPacket, field: "Subscription Options"
        ),
        MalformedFixture(
            "subscription Retain Handling 3", .v5, hex: "82 07 00 01 00 00 01 74 30",
            .invalidSubscriptionOptions, .malformedPacket, field: "Subscription Options"
        ),
        MalformedFixture(
            "subscription QoS 3", .v5, hex: "82 07 00 01 00 00 01 74 03",
            .invalidSubscriptionOptions, .malformedPacket, field: "Subscription Options"
        ),
        // MQTT-4.7.3-1: Topic Filters have at least one character.
        MalformedFixture(
            "empty topic filter", .v3_1_1, hex: "82 05 00 01 00 00 00",
            .topicFilterInvalid, .malformedPacket, field: "Topic Filter"
        ),
        // MQTT 3.1.1 section 3.9.3: return codes other than 0, 1, 2, 0x80 are reserved.
        MalformedFixture(
            "3.1.1 SUBACK return code 3", .v3_1_1, hex: "90 03 00 01 03",
            .invalidReasonCode, .malformedPacket, field: "Reason Code"
        ),
        MalformedFixture("SUBACK without codes", .v5, hex: "90 03 00 01 00", .emptyPayload, .protocolError, field: "Reason Code"),
        // MQTT-3.10.3-2: UNSUBSCRIBE has at least one topic filter.
        MalformedFixture(
            "UNSUBSCRIBE without payload", .v5, hex: "a2 03 00 01 00",
            .emptyPayload, .protocolError, field: "Topic Filter"
        ),
        MalformedFixture(
            "UNSUBSCRIBE empty filter", .v3_1_1, hex: "a2 04 00 01 00 00",
            .topicFilterInvalid, .malformedPacket, field: "Topic Filter"
        ),
        // MQTT 5.0 section 3.11.3: 0x10 is not an UNSUBACK reason code.
        MalformedFixture(
            "UNSUBACK reason 0x10", .v5, hex: "b0 04 00 01 00 10",
            .invalidReasonCode, .malformedPacket, field: "Reason Code"
        ),
        MalformedFixture(
            "3.1.1 UNSUBACK with payload", .v3_1_1, hex: "b0 03 00 01 00",
            .trailingBytes, .malformedPacket, field: "Packet Identifier"
        ),
        // MQTT 5.0 section 3.14.2.1: 0x05 is not a DISCONNECT reason code.
        MalformedFixture(
            "DISCONNECT reason 0x05", .v5, hex: "e0 01 05",
            .invalidReasonCode, .malformedPacket, field: "Disconnect Reason Code"
        ),
        MalformedFixture("3.1.1 DISCONNECT with body", .v3_1_1, hex: "e0 01 00", .trailingBytes, .malformedPacket, field: "Fixed Header"),
        // MQTT 5.0 section 3.15.2.1: AUTH allows only 0x00, 0x18, 0x19.
        MalformedFixture(
            "AUTH reason 0x01", .v5, hex: "f0 01 01",
            .invalidReasonCode, .malformedPacket, field: "Authenticate Reason Code"
        ),
    ]
}

@Suite struct PacketErrorTests {
    @Test(arguments: MalformedFixture.packets)
    func rejects(_ fixture: MalformedFixture) {
        fixture.verify()
    }
}
