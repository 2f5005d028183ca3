import NIOCore

/// The MQTT 5.0 properties of one packet or of a will message (section 2.2.2).
///
/// A property is nil (or an empty array) when absent. The decoder fills only the properties the
/// specification allows in that place and rejects the rest; the encoder writes whatever is set, in
/// identifier order. MQTT 3.1.1 has no properties: the encoder ignores them for that version.
///
/// The values live in one copy-on-write box, absent when there are no properties, so a packet without
/// properties carries one word and costs no allocation.
public struct MQTTProperties: Sendable {
    /// nil when no property is present.
    private(set) var storage: MQTTPropertyStorage?

    init(values: MQTTPropertyValues) {
        self.storage = values == .empty ? nil : MQTTPropertyStorage(values)
    }

    /// All values; the empty set when there is no storage.
    var values: MQTTPropertyValues {
        self.storage?.values ?? .empty
    }

    /// For the decoder, which knows at least one property is present.
    init(decodedValues: MQTTPropertyValues) {
        self.storage = MQTTPropertyStorage(decodedValues)
    }

    private mutating func modifyValues(_ body: (inout MQTTPropertyValues) -> Void) {
        if isKnownUniquelyReferenced(&self.storage), let storage = self.storage {
            body(&storage.values)
        } else {
            var values = self.values
            body(&values)
            self.storage = MQTTPropertyStorage(values)
        }
    }

    /// 0x01, PUBLISH and will: whether the payload is UTF-8 text.
    public var payloadFormatIndicator: MQTTPayloadFormatIndicator? {
        get { self.storage?.values.payloadFormatIndicator }
        set { self.modifyValues { $0.payloadFormatIndicator = newValue } }
    }

    /// 0x02, PUBLISH and will: lifetime of the message in seconds.
    public var messageExpiryInterval: UInt32? {
        get { self.storage?.values.messageExpiryInterval }
        set { self.modifyValues { $0.messageExpiryInterval = newValue } }
    }

    /// 0x03, PUBLISH and will: MIME type of the payload.
    public var contentType: String? {
        get { self.storage?.values.contentType }
        set { self.modifyValues { $0.contentType = newValue } }
    }

    /// 0x08, PUBLISH and will: topic for a response message.
    public var responseTopic: String? {
        get { self.storage?.values.responseTopic }
        set { self.modifyValues { $0.responseTopic = newValue } }
    }

    /// 0x09, PUBLISH and will: identifies the request a response belongs to.
    public var correlationData: ByteBuffer? {
        get { self.storage?.values.correlationData }
        set { self.modifyValues { $0.correlationData = newValue } }
    }

    /// 0x0B, PUBLISH (several) and SUBSCRIBE (at most one): 1...268,435,455.
    public var subscriptionIdentifiers: [Int] {
        get { self.storage?.values.subscriptionIdentifiers ?? [] }
        set { self.modifyValues { $0.subscriptionIdentifiers = newValue } }
    }

    /// 0x11, CONNECT, CONNACK, DISCONNECT: seconds the session outlives the connection.
    public var sessionExpiryInterval: UInt32? {
        get { self.storage?.values.sessionExpiryInterval }
        set { self.modifyValues { $0.sessionExpiryInterval = newValue } }
    }

    /// 0x12, CONNACK: the client identifier the server chose.
    public var assignedClientIdentifier: String? {
        get { self.storage?.values.assignedClientIdentifier }
        set { self.modifyValues { $0.assignedClientIdentifier = newValue } }
    }

    /// 0x13, CONNACK: keep alive the server imposes, in seconds.
    public var serverKeepAlive: UInt16? {
        get { self.storage?.values.serverKeepAlive }
        set { self.modifyValues { $0.serverKeepAlive = newValue } }
    }

    /// 0x15, CONNECT, CONNACK, AUTH: name of the extended authentication method.
    public var authenticationMethod: String? {
        get { self.storage?.values.authenticationMethod }
        set { self.modifyValues { $0.authenticationMethod = newValue } }
    }

    /// 0x16, CONNECT, CONNACK, AUTH: method-specific authentication data.
    public var authenticationData: ByteBuffer? {
        get { self.storage?.values.authenticationData }
        set { self.modifyValues { $0.authenticationData = newValue } }
    }

    /// 0x17, CONNECT: whether the server may send Reason String and User Properties on failures.
    public var requestProblemInformation: Bool? {
        get { self.storage?.values.requestProblemInformation }
        set { self.modifyValues { $0.requestProblemInformation = newValue } }
    }

    /// 0x18, will: seconds to wait before publishing the will message.
    public var willDelayInterval: UInt32? {
        get { self.storage?.values.willDelayInterval }
        set { self.modifyValues { $0.willDelayInterval = newValue } }
    }

    /// 0x19, CONNECT: whether the client asks for Response Information in CONNACK.
    public var requestResponseInformation: Bool? {
        get { self.storage?.values.requestResponseInformation }
        set { self.modifyValues { $0.requestResponseInformation = newValue } }
    }

    /// 0x1A, CONNACK: basis for response topics.
    public var responseInformation: String? {
        get { self.storage?.values.responseInformation }
        set { self.modifyValues { $0.responseInformation = newValue } }
    }

    /// 0x1C, CONNACK and DISCONNECT: another server the client should use.
    public var serverReference: String? {
        get { self.storage?.values.serverReference }
        set { self.modifyValues { $0.serverReference = newValue } }
    }

    /// 0x1F, acknowledgements, DISCONNECT and AUTH: human-readable diagnostics.
    public var reasonString: String? {
        get { self.storage?.values.reasonString }
        set { self.modifyValues { $0.reasonString = newValue } }
    }

    /// 0x21, CONNECT and CONNACK: how many QoS 1 and 2 publications the sender accepts at once; not 0.
    public var receiveMaximum: UInt16? {
        get { self.storage?.values.receiveMaximum }
        set { self.modifyValues { $0.receiveMaximum = newValue } }
    }

    /// 0x22, CONNECT and CONNACK: highest topic alias the sender accepts.
    public var topicAliasMaximum: UInt16? {
        get { self.storage?.values.topicAliasMaximum }
        set { self.modifyValues { $0.topicAliasMaximum = newValue } }
    }

    /// 0x23, PUBLISH: number standing for the topic; not 0.
    public var topicAlias: UInt16? {
        get { self.storage?.values.topicAlias }
        set { self.modifyValues { $0.topicAlias = newValue } }
    }

    /// 0x24, CONNACK: highest QoS the server supports, 0 or 1 (absent means 2).
    public var maximumQoS: MQTTQoS? {
        get { self.storage?.values.maximumQoS }
        set { self.modifyValues { $0.maximumQoS = newValue } }
    }

    /// 0x25, CONNACK: whether the server supports retained messages.
    public var retainAvailable: Bool? {
        get { self.storage?.values.retainAvailable }
        set { self.modifyValues { $0.retainAvailable = newValue } }
    }

    /// 0x26, all packets with properties: application name/value pairs, in order.
    public var userProperties: [MQTTUserProperty] {
        get { self.storage?.values.userProperties ?? [] }
        set { self.modifyValues { $0.userProperties = newValue } }
    }

    /// 0x27, CONNECT and CONNACK: largest packet the sender accepts, in bytes; not 0.
    public var maximumPacketSize: UInt32? {
        get { self.storage?.values.maximumPacketSize }
        set { self.modifyValues { $0.maximumPacketSize = newValue } }
    }

    /// 0x28, CONNACK: whether the server supports wildcard subscriptions.
    public var wildcardSubscriptionAvailable: Bool? {
        get { self.storage?.values.wildcardSubscriptionAvailable }
        set { self.modifyValues { $0.wildcardSubscriptionAvailable = newValue } }
    }

    /// 0x29, CONNACK: whether the server supports subscription identifiers.
    public var subscriptionIdentifierAvailable: Bool? {
        get { self.storage?.values.subscriptionIdentifierAvailable }
        set { self.modifyValues { $0.subscriptionIdentifierAvailable = newValue } }
    }

    /// 0x2A, CONNACK: whether the server supports shared subscriptions.
    public var sharedSubscriptionAvailable: Bool? {
        get { self.storage?.values.sharedSubscriptionAvailable }
        set { self.modifyValues { $0.sharedSubscriptionAvailable = newValue } }
    }

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
        self.init(
            values: MQTTPropertyValues(
                payloadFormatIndicator: payloadFormatIndicator,
                messageExpiryInterval: messageExpiryInterval,
                contentType: contentType,
                responseTopic: responseTopic,
                correlationData: correlationData,
                subscriptionIdentifiers: subscriptionIdentifiers,
                sessionExpiryInterval: sessionExpiryInterval,
                assignedClientIdentifier: assignedClientIdentifier,
                serverKeepAlive: serverKeepAlive,
                authenticationMethod: authenticationMethod,
                authenticationData: authenticationData,
                requestProblemInformation: requestProblemInformation,
                willDelayInterval: willDelayInterval,
                requestResponseInformation: requestResponseInformation,
                responseInformation: responseInformation,
                serverReference: serverReference,
                reasonString: reasonString,
                receiveMaximum: receiveMaximum,
                topicAliasMaximum: topicAliasMaximum,
                topicAlias: topicAlias,
                maximumQoS: maximumQoS,
                retainAvailable: retainAvailable,
                userProperties: userProperties,
                maximumPacketSize: maximumPacketSize,
                wildcardSubscriptionAvailable: wildcardSubscriptionAvailable,
                subscriptionIdentifierAvailable: subscriptionIdentifierAvailable,
                sharedSubscriptionAvailable: sharedSubscriptionAvailable
            )
        )
    }

    private init() {
        self.storage = nil
    }

    /// No properties at all.
    public static var none: MQTTProperties { MQTTProperties() }

    public var isEmpty: Bool {
        self.storage == nil || self.values == .empty
    }
}

extension MQTTProperties: Hashable {
    public static func == (lhs: MQTTProperties, rhs: MQTTProperties) -> Bool {
        lhs.storage === rhs.storage || lhs.values == rhs.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.values)
    }
}
