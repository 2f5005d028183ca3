import MQTTCodec
import NIOCore
import Testing

extension MalformedFixture {
    static let properties: [MalformedFixture] = [
        // MQTT 5.0 section 3.3.2.3.3: "It is a Protocol Error to include the Message Expiry Interval more than once".
        MalformedFixture(
            "duplicate Message Expiry Interval", .v5, hex: "30 0e 00 01 74 0a 02 00 00 00 01 02 00 00 00 02",
            .duplicateProperty, .protocolError, field: "Message Expiry Interval"
        ),
        // MQTT 5.0 section 3.8.2.1.2: at most one Subscription Identifier in SUBSCRIBE.
        MalformedFixture(
            "two Subscription Identifiers in SUBSCRIBE", .v5, hex: "82 0b 00 01 04 0b 01 0b 02 00 01 74 00",
            .duplicateProperty, .protocolError, field: "Subscription Identifier"
        ),
        // MQTT 5.0 section 2.2.2.2: an identifier not valid for the packet type is a Malformed Packet.
        MalformedFixture(
            "Session Expiry Interval on PUBLISH", .v5, hex: "30 09 00 01 74 05 11 00 00 00 01",
            .propertyNotAllowed, .malformedPacket, field: "Session Expiry Interval"
        ),
        MalformedFixture(
            "Topic Alias on PUBACK", .v5, hex: "40 07 00 01 00 03 23 00 01",
            .propertyNotAllowed, .malformedPacket, field: "Topic Alias"
        ),
        MalformedFixture(
            "Will Delay Interval on CONNECT", nil,
            hex: "10 12 00 04 4d 51 54 54 05 02 00 00 05 18 00 00 00 01 00 00",
            .propertyNotAllowed, .malformedPacket, field: "Will Delay Interval"
        ),
        MalformedFixture(
            "unknown identifier 0x7F", .v5, hex: "30 06 00 01 74 02 7f 00",
            .unknownProperty, .malformedPacket, field: "Property Identifier"
        ),
        // Value ranges: MQTT 5.0 sections 3.1.2.11.3, 3.2.2.3.4, 3.2.2.3.5, 3.3.2.3.2, 3.3.2.3.4, 3.3.2.3.8.
        MalformedFixture(
            "Receive Maximum 0", nil, hex: "10 10 00 04 4d 51 54 54 05 02 00 00 03 21 00 00 00 00",
            .invalidPropertyValue, .protocolError, field: "Receive Maximum"
        ),
        MalformedFixture(
            "Maximum Packet Size 0", nil, hex: "10 12 00 04 4d 51 54 54 05 02 00 00 05 27 00 00 00 00 00 00",
            .invalidPropertyValue, .protocolError, field: "Maximum Packet Size"
        ),
        MalformedFixture(
            "Retain Available 2", .v5, hex: "20 05 00 00 02 25 02",
            .invalidPropertyValue, .protocolError, field: "Retain Available"
        ),
        MalformedFixture(
            "Maximum QoS 2", .v5, hex: "20 05 00 00 02 24 02",
            .invalidPropertyValue, .protocolError, field: "Maximum QoS"
        ),
        MalformedFixture(
            "Payload Format Indicator 2", .v5, hex: "30 06 00 01 74 02 01 02",
            .invalidPropertyValue, .protocolError, field: "Payload Format Indicator"
        ),
        MalformedFixture(
            "Topic Alias 0", .v5, hex: "30 07 00 01 74 03 23 00 00",
            .invalidPropertyValue, .protocolError, field: "Topic Alias"
        ),
        MalformedFixture(
            "Subscription Identifier 0", .v5, hex: "30 06 00 01 74 02 0b 00",
            .invalidPropertyValue, .protocolError, field: "Subscription Identifier"
        ),
        // MQTT 5.0 section 3.15.2.2.3: Authentication Data needs an Authentication Method.
        MalformedFixture(
            "Authentication Data without method", .v5, hex: "f0 06 18 04 16 00 01 01",
            .invalidPropertyValue, .protocolError, field: "Authentication Data"
        ),
        MalformedFixture(
            "Property Length beyond the packet", .v5, hex: "30 05 00 01 74 05 01",
            .truncated, .malformedPacket, field: "Properties"
        ),
        MalformedFixture(
            "Property Length of 5 bytes", .v5, hex: "30 08 00 01 74 80 80 80 80 01",
            .malformedVariableByteInteger, .malformedPacket, field: "Property Length"
        ),
        MalformedFixture(
            "Will Properties Length beyond the packet", nil,
            hex: "10 0f 00 04 4d 51 54 54 05 06 00 00 00 00 00 09 01",
            .truncated, .malformedPacket, field: "Properties"
        ),
    ]
}

@Suite struct PropertyErrorTests {
    @Test(arguments: MalformedFixture.properties)
    func rejects(_ fixture: MalformedFixture) {
        fixture.verify()
    }

    @Test func userPropertiesMayRepeatAndKeepTheirOrder() throws {
        // Two User Properties with the same name (MQTT 5.0 section 3.3.2.3.7).
        var input = ByteBuffer(hex: "30 13 00 01 74 0e 26 00 01 6b 00 01 31 26 00 01 6b 00 01 32 00")
        var decoder = MQTTPacketDecoder(protocolVersion: .v5)
        guard case .publish(let publish) = try decoder.decodePacket(from: &input) else {
            Issue.record("not a PUBLISH")
            return
        }
        #expect(
            publish.properties.userProperties == [
                MQTTUserProperty(name: "k", value: "1"), MQTTUserProperty(name: "k", value: "2"),
            ]
        )
        #expect(publish.payload == ByteBuffer(bytes: [0]))
    }

    @Test func everyPropertyRoundTrips() throws {
        // One property of each identifier in a context that allows it, so the writer covers all 27.
        let connAck = MQTTProperties(
            sessionExpiryInterval: 1, assignedClientIdentifier: "a", serverKeepAlive: 2,
            authenticationMethod: "m", authenticationData: ByteBuffer(bytes: [9]), responseInformation: "r",
            serverReference: "s", reasonString: "why", receiveMaximum: 3, topicAliasMaximum: 4, maximumQoS: .atMostOnce,
            retainAvailable: true, userProperties: [MQTTUserProperty(name: "n", value: "v")], maximumPacketSize: 5,
            wildcardSubscriptionAvailable: false, subscriptionIdentifierAvailable: true, sharedSubscriptionAvailable: false
        )
        let connect = MQTTProperties(
            sessionExpiryInterval: 7, authenticationMethod: "m", requestProblemInformation: false,
            requestResponseInformation: true, receiveMaximum: 1, topicAliasMaximum: 0, maximumPacketSize: 100
        )
        let will = MQTTProperties(
            payloadFormatIndicator: .unspecifiedBytes, messageExpiryInterval: 9, contentType: "c", responseTopic: "r",
            correlationData: ByteBuffer(bytes: [1]), willDelayInterval: 3
        )
        let packets: [MQTTPacket] = [
            .connAck(MQTTConnAckPacket(properties: connAck)),
            .connect(
                MQTTConnectPacket(
                    protocolVersion: .v5,
                    clientIdentifier: "id",
                    will: MQTTWill(topicName: "w", payload: ByteBuffer(), properties: will),
                    properties: connect
                )
            ),
        ]
        for packet in packets {
            var encoded = ByteBuffer()
            try packet.encode(into: &encoded, version: .v5)
            var decoder = MQTTPacketDecoder(protocolVersion: .v5)
            #expect(try decoder.decodePacket(from: &encoded) == packet)
            #expect(encoded.readableBytes == 0)
        }
    }
}

@Suite struct PropertyEncodingErrorTests {
    @Test func refusesAPropertyThePacketDoesNotAllow() {
        let packet = MQTTConnAckPacket(properties: MQTTProperties(topicAlias: 1))
        var buffer = ByteBuffer()
        #expect(throws: MQTTEncodingError(code: .propertyNotAllowed, packetType: .connAck, field: "Topic Alias")) {
            try packet.encode(into: &buffer, version: .v5)
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test func refusesWillPropertiesOnConnectItself() {
        let packet = MQTTConnectPacket(
            protocolVersion: .v5,
            clientIdentifier: "c",
            properties: MQTTProperties(willDelayInterval: 1)
        )
        var buffer = ByteBuffer()
        #expect(throws: MQTTEncodingError(code: .propertyNotAllowed, packetType: .connect, field: "Will Delay Interval")) {
            try packet.encode(into: &buffer)
        }
    }

    @Test func refusesTwoSubscriptionIdentifiersInSubscribe() {
        let packet = MQTTSubscribePacket(
            packetIdentifier: 1,
            subscriptions: [MQTTSubscription(topicFilter: "t", options: MQTTSubscriptionOptions(qos: .atMostOnce))],
            properties: MQTTProperties(subscriptionIdentifiers: [1, 2])
        )
        var buffer = ByteBuffer()
        #expect(
            throws: MQTTEncodingError(code: .propertyNotAllowed, packetType: .subscribe, field: "Subscription Identifier")
        ) {
            try packet.encode(into: &buffer, version: .v5)
        }
    }

    @Test func version3IgnoresPropertiesEvenWhenNotAllowed() throws {
        let packet = MQTTConnAckPacket(properties: MQTTProperties(topicAlias: 1))
        var buffer = ByteBuffer()
        try packet.encode(into: &buffer, version: .v3_1_1)
        #expect(buffer == ByteBuffer(hex: "20 02 00 00"))
    }
}
