import MQTTCodec
import Testing

@Suite struct MQTTReasonCodeTests {
    @Test func valuesMatchSection2_4() {
        #expect(MQTTReasonCode.success.rawValue == 0x00)
        #expect(MQTTReasonCode.grantedQoS2.rawValue == 0x02)
        #expect(MQTTReasonCode.disconnectWithWillMessage.rawValue == 0x04)
        #expect(MQTTReasonCode.continueAuthentication.rawValue == 0x18)
        #expect(MQTTReasonCode.reAuthenticate.rawValue == 0x19)
        #expect(MQTTReasonCode.malformedPacket.rawValue == 0x81)
        #expect(MQTTReasonCode.protocolError.rawValue == 0x82)
        #expect(MQTTReasonCode.unsupportedProtocolVersion.rawValue == 0x84)
        #expect(MQTTReasonCode.packetTooLarge.rawValue == 0x95)
        #expect(MQTTReasonCode.payloadFormatInvalid.rawValue == 0x99)
        #expect(MQTTReasonCode.wildcardSubscriptionsNotSupported.rawValue == 0xA2)
    }

    @Test func failuresStartAt0x80() {
        #expect(!MQTTReasonCode.noMatchingSubscribers.isFailure)
        #expect(MQTTReasonCode.unspecifiedError.isFailure)
        #expect(MQTTReasonCode.packetTooLarge.description == "0x95")
        #expect(MQTTReasonCode.grantedQoS1.description == "0x01")
    }
}
