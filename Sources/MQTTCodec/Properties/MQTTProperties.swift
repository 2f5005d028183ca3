import NIOCore

/// The MQTT 5.0 properties of one packet or of a will message (section 2.2.2).
///
/// A property is nil (or an empty array) when absent. The decoder fills only the properties the
/// specification allows in that place and rejects the rest; the encoder writes whatever is set, in
/// identifier order. MQTT 3.1.1 has no properties: the encoder ignores them for that version.
public struct MQTTProperties: Hashable, Sendable {
    /// 0x01, PUBLISH and will: whether the payload is UTF-8 text.
    public var payloadFormatIndicator: MQTTPayloadFormatIndicator?
    /// 0x02, PUBLISH and will: lifetime of the message in seconds.
    public var messageExpiryInterval: UInt32?
    /// 0x03, PUBLISH and will: MIME type of the payload.
    public var contentType: String?
    /// 0x08, PUBLISH and will: topic for a response message.
    public var responseTopic: String?
    /// 0x09, PUBLISH and will: identifies the request a response belongs to.
    public var correlationData: ByteBuffer?
    /// 0x0B, PUBLISH (several) and SUBSCRIBE (at most one): 1...268,435,455.
    public var subscriptionIdentifiers: [Int]
    /// 0x11, CONNECT, CONNACK, DISCONNECT: seconds the session outlives the connection.
    public var sessionExpiryInterval: UInt32?
    /// 0x12, CONNACK: the client identifier the server chose.
    public var assignedClientIdentifier: String?
    /// 0x13, CONNACK: keep alive the server imposes, in seconds.
    public var serverKeepAlive: UInt16?
    /// 0x15, CONNECT, CONNACK, AUTH: name of the extended authentication method.
    public var authenticationMethod: String?
    /// 0x16, CONNECT, CONNACK, AUTH: method-specific authentication data.
    public var authenticationData: ByteBuffer?
    /// 0x17, CONNECT: whether the server may send Reason String and User Properties on failures.
    public var requestProblemInformation: Bool?
    /// 0x18, will: seconds to wait before publishing the will message.
    public var willDelayInterval: UInt32?
    /// 0x19, CONNECT: whether the client asks for Response Information in CONNACK.
    public var requestResponseInformation: Bool?
    /// 0x1A, CONNACK: basis for response topics.
    public var responseInformation: String?
    /// 0x1C, CONNACK and DISCONNECT: another server the client should use.
    public var serverReference: String?
    /// 0x1F, acknowledgements, DISCONNECT and AUTH: human-readable diagnostics.
    public var reasonString: String?
    /// 0x21, CONNECT and CONNACK: how many QoS 1 and 2 publications the sender accepts at once; not 0.
    public var receiveMaximum: UInt16?
    /// 0x22, CONNECT and CONNACK: highest topic alias the sender accepts.
    public var topicAliasMaximum: UInt16?
    /// 0x23, PUBLISH: number standing for the topic; not 0.
    public var topicAlias: UInt16?
    /// 0x24, CONNACK: highest QoS the server supports, 0 or 1 (absent means 2).
    public var maximumQoS: MQTTQoS?
    /// 0x25, CONNACK: whether the server supports retained messages.
    public var retainAvailable: Bool?
    /// 0x26, all packets with properties: application name/value pairs, in order.
    public var userProperties: [MQTTUserProperty]
    /// 0x27, CONNECT and CONNACK: largest packet the sender accepts, in bytes; not 0.
    public var maximumPacketSize: UInt32?
    /// 0x28, CONNACK: whether the server supports wildcard subscriptions.
    public var wildcardSubscriptionAvailable: Bool?
    /// 0x29, CONNACK: whether the server supports subscription identifiers.
    public var subscriptionIdentifierAvailable: Bool?
    /// 0x2A, CONNACK: whether the server supports shared subscriptions.
    public var sharedSubscriptionAvailable: Bool?

    public init(
        payloadFormatIndicator: MQTTPayloadFormatIndicator? = nil,
        messageExpiryInterval: UInt32? = nil,
        contentType: String? = nil,
        responseTopic: String? = nil,
        correlationData: ByteBuffer? = nil,
        subscriptionIdentifiers: [Int] = [],
        sessionExpiryInterval: UInt32? = nil,
        assignedClientIdentifier: String? = nil,
        serverKeepAlive: UInt16? = nil,
        authenticationMethod: String? = nil,
        authenticationData: ByteBuffer? = nil,
        requestProblemInformation: Bool? = nil,
        willDelayInterval: UInt32? = nil,
        requestResponseInformation: Bool? = nil,
        responseInformation: String? = nil,
        serverReference: String? = nil,
        reasonString: String? = nil,
        receiveMaximum: UInt16? = nil,
        topicAliasMaximum: UInt16? = nil,
        topicAlias: UInt16? = nil,
        maximumQoS: MQTTQoS? = nil,
        retainAvailable: Bool? = nil,
        userProperties: [MQTTUserProperty] = [],
        maximumPacketSize: UInt32? = nil,
        wildcardSubscriptionAvailable: Bool? = nil,
        subscriptionIdentifierAvailable: Bool? = nil,
        sharedSubscriptionAvailable: Bool? = nil
    ) {
        self.payloadFormatIndicator = payloadFormatIndicator
        self.messageExpiryInterval = messageExpiryInterval
        self.contentType = contentType
        self.responseTopic = responseTopic
        self.correlationData = correlationData
        self.subscriptionIdentifiers = subscriptionIdentifiers
        self.sessionExpiryInterval = sessionExpiryInterval
        self.assignedClientIdentifier = assignedClientIdentifier
        self.serverKeepAlive = serverKeepAlive
        self.authenticationMethod = authenticationMethod
        self.authenticationData = authenticationData
        self.requestProblemInformation = requestProblemInformation
        self.willDelayInterval = willDelayInterval
        self.requestResponseInformation = requestResponseInformation
        self.responseInformation = responseInformation
        self.serverReference = serverReference
        self.reasonString = reasonString
        self.receiveMaximum = receiveMaximum
        self.topicAliasMaximum = topicAliasMaximum
        self.topicAlias = topicAlias
        self.maximumQoS = maximumQoS
        self.retainAvailable = retainAvailable
        self.userProperties = userProperties
        self.maximumPacketSize = maximumPacketSize
        self.wildcardSubscriptionAvailable = wildcardSubscriptionAvailable
        self.subscriptionIdentifierAvailable = subscriptionIdentifierAvailable
        self.sharedSubscriptionAvailable = sharedSubscriptionAvailable
    }

    /// No properties at all.
    public static var none: MQTTProperties { MQTTProperties() }

    public var isEmpty: Bool {
        self == MQTTProperties()
    }
}
