import NIOCore

/// The stored values behind ``MQTTProperties``; kept out of line so packets stay small.
struct MQTTPropertyValues: Hashable, Sendable {
    var payloadFormatIndicator: MQTTPayloadFormatIndicator?
    var messageExpiryInterval: UInt32?
    var contentType: String?
    var responseTopic: String?
    var correlationData: ByteBuffer?
    var subscriptionIdentifiers: [Int] = []
    var sessionExpiryInterval: UInt32?
    var assignedClientIdentifier: String?
    var serverKeepAlive: UInt16?
    var authenticationMethod: String?
    var authenticationData: ByteBuffer?
    var requestProblemInformation: Bool?
    var willDelayInterval: UInt32?
    var requestResponseInformation: Bool?
    var responseInformation: String?
    var serverReference: String?
    var reasonString: String?
    var receiveMaximum: UInt16?
    var topicAliasMaximum: UInt16?
    var topicAlias: UInt16?
    var maximumQoS: MQTTQoS?
    var retainAvailable: Bool?
    var userProperties: [MQTTUserProperty] = []
    var maximumPacketSize: UInt32?
    var wildcardSubscriptionAvailable: Bool?
    var subscriptionIdentifierAvailable: Bool?
    var sharedSubscriptionAvailable: Bool?
}

extension MQTTPropertyValues {
    static let empty = MQTTPropertyValues()
}
