import MQTTCodec
import NIOCore
import Testing

extension GoldenFixture {
    static let subscribe: [GoldenFixture] = [
        // MQTT 3.1.1 section 3.8: flags 0010, identifier 1, "a/+" at QoS 1 and "b/#" at QoS 0.
        GoldenFixture(
            "3.1.1 3.8", .v3_1_1,
            hex: "82 0e 00 01 00 03 61 2f 2b 01 00 03 62 2f 23 00",
            .subscribe(
                MQTTSubscribePacket(
                    packetIdentifier: 1,
                    subscriptions: [
                        MQTTSubscription(topicFilter: "a/+", options: MQTTSubscriptionOptions(qos: .atLeastOnce)),
                        MQTTSubscription(topicFilter: "b/#", options: MQTTSubscriptionOptions(qos: .atMostOnce)),
                    ]
                )
            )
        ),
        // MQTT 5.0 section 3.8.3.1: options 0x2E = QoS 2, No Local, Retain As Published, Retain Handling 2;
        // Subscription Identifier 7 (section 3.8.2.1.2).
        GoldenFixture(
            "5.0 3.8.3.1", .v5,
            hex: "82 09 00 02 02 0b 07 00 01 74 2e",
            .subscribe(
                MQTTSubscribePacket(
                    packetIdentifier: 2,
                    subscriptions: [
                        MQTTSubscription(
                            topicFilter: "t",
                            options: MQTTSubscriptionOptions(
                                qos: .exactlyOnce,
                                noLocal: true,
                                retainAsPublished: true,
                                retainHandling: .doNotSend
                            )
                        )
                    ],
                    properties: MQTTProperties(subscriptionIdentifiers: [7])
                )
            )
        ),
    ]

    static let subAck: [GoldenFixture] = [
        // MQTT 3.1.1 section 3.9.3: granted QoS 1, granted QoS 0, failure 0x80.
        GoldenFixture(
            "3.1.1 3.9.3", .v3_1_1,
            hex: "90 05 00 01 01 00 80",
            .subAck(MQTTSubAckPacket(packetIdentifier: 1, reasonCodes: [.grantedQoS1, .grantedQoS0, .unspecifiedError]))
        ),
        // MQTT 5.0 section 3.9.3: granted QoS 2, 0x8F Topic Filter invalid, 0xA2 Wildcards not supported.
        GoldenFixture(
            "5.0 3.9.3", .v5,
            hex: "90 06 00 02 00 02 8f a2",
            .subAck(
                MQTTSubAckPacket(
                    packetIdentifier: 2,
                    reasonCodes: [.grantedQoS2, .topicFilterInvalid, .wildcardSubscriptionsNotSupported]
                )
            )
        ),
    ]

    static let unsubscribe: [GoldenFixture] = [
        // MQTT 3.1.1 section 3.10: flags 0010, identifier 3, filter "a/b".
        GoldenFixture(
            "3.1.1 3.10", .v3_1_1,
            hex: "a2 07 00 03 00 03 61 2f 62",
            .unsubscribe(MQTTUnsubscribePacket(packetIdentifier: 3, topicFilters: ["a/b"]))
        ),
        // MQTT 5.0 section 3.10.2.1: User Property ("k", "") then filter "t".
        GoldenFixture(
            "5.0 3.10.2.1", .v5,
            hex: "a2 0c 00 04 06 26 00 01 6b 00 00 00 01 74",
            .unsubscribe(
                MQTTUnsubscribePacket(
                    packetIdentifier: 4,
                    topicFilters: ["t"],
                    properties: MQTTProperties(userProperties: [MQTTUserProperty(name: "k", value: "")])
                )
            )
        ),
    ]

    static let unsubAck: [GoldenFixture] = [
        // MQTT 3.1.1 section 3.11: packet identifier only.
        GoldenFixture("3.1.1 3.11", .v3_1_1, hex: "b0 02 00 03", .unsubAck(MQTTUnsubAckPacket(packetIdentifier: 3))),
        // MQTT 5.0 section 3.11.3: Success and 0x11 No subscription existed.
        GoldenFixture(
            "5.0 3.11.3", .v5,
            hex: "b0 05 00 04 00 00 11",
            .unsubAck(MQTTUnsubAckPacket(packetIdentifier: 4, reasonCodes: [.success, .noSubscriptionExisted]))
        ),
    ]
}

@Suite struct SubscribeTests {
    @Test(arguments: GoldenFixture.subscribe + GoldenFixture.subAck + GoldenFixture.unsubscribe + GoldenFixture.unsubAck)
    func golden(_ fixture: GoldenFixture) throws {
        try fixture.verify()
    }

    @Test func version3SubAckSendsEveryFailureAs0x80() throws {
        let packet = MQTTSubAckPacket(packetIdentifier: 9, reasonCodes: [.grantedQoS2, .notAuthorized, .quotaExceeded])
        var encoded = ByteBuffer()
        try packet.encode(into: &encoded, version: .v3_1_1)
        #expect(encoded == ByteBuffer(hex: "90 05 00 09 02 80 80"))
    }

    @Test func version3SubscribeKeepsOnlyTheQoSBits() throws {
        let options = MQTTSubscriptionOptions(qos: .atLeastOnce, noLocal: true, retainHandling: .doNotSend)
        let packet = MQTTSubscribePacket(
            packetIdentifier: 1,
            subscriptions: [MQTTSubscription(topicFilter: "t", options: options)]
        )
        var encoded = ByteBuffer()
        try packet.encode(into: &encoded, version: .v3_1_1)
        #expect(encoded == ByteBuffer(hex: "82 06 00 01 00 01 74 01"))
    }
}
