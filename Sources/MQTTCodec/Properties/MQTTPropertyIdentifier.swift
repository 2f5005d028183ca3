/// The property identifiers of MQTT 5.0 section 2.2.2.2.
enum MQTTPropertyIdentifier: UInt8, CaseIterable {
    case payloadFormatIndicator = 0x01
    case messageExpiryInterval = 0x02
    case contentType = 0x03
    case responseTopic = 0x08
    case correlationData = 0x09
    case subscriptionIdentifier = 0x0B
    case sessionExpiryInterval = 0x11
    case assignedClientIdentifier = 0x12
    case serverKeepAlive = 0x13
    case authenticationMethod = 0x15
    case authenticationData = 0x16
    case requestProblemInformation = 0x17
    case willDelayInterval = 0x18
    case requestResponseInformation = 0x19
    case responseInformation = 0x1A
    case serverReference = 0x1C
    case reasonString = 0x1F
    case receiveMaximum = 0x21
    case topicAliasMaximum = 0x22
    case topicAlias = 0x23
    case maximumQoS = 0x24
    case retainAvailable = 0x25
    case userProperty = 0x26
    case maximumPacketSize = 0x27
    case wildcardSubscriptionAvailable = 0x28
    case subscriptionIdentifierAvailable = 0x29
    case sharedSubscriptionAvailable = 0x2A

    /// The name the specification uses, for error messages.
    var fieldName: String {
        switch self {
        case .payloadFormatIndicator: return "Payload Format Indicator"
        case .messageExpiryInterval: return "Message Expiry Interval"
        case .contentType: return "Content Type"
        case .responseTopic: return "Response Topic"
        case .correlationData: return "Correlation Data"
        case .subscriptionIdentifier: return "Subscription Identifier"
        case .sessionExpiryInterval: return "Session Expiry Interval"
        case .assignedClientIdentifier: return "Assigned Client Identifier"
        case .serverKeepAlive: return "Server Keep Alive"
        case .authenticationMethod: return "Authentication Method"
        case .authenticationData: return "Authentication Data"
        case .requestProblemInformation: return "Request Problem Information"
        case .willDelayInterval: return "Will Delay Interval"
        case .requestResponseInformation: return "Request Response Information"
        case .responseInformation: return "Response Information"
        case .serverReference: return "Server Reference"
        case .reasonString: return "Reason String"
        case .receiveMaximum: return "Receive Maximum"
        case .topicAliasMaximum: return "Topic Alias Maximum"
        case .topicAlias: return "Topic Alias"
        case .maximumQoS: return "Maximum QoS"
        case .retainAvailable: return "Retain Available"
        case .userProperty: return "User Property"
        case .maximumPacketSize: return "Maximum Packet Size"
        case .wildcardSubscriptionAvailable: return "Wildcard Subscription Available"
        case .subscriptionIdentifierAvailable: return "Subscription Identifier Available"
        case .sharedSubscriptionAvailable: return "Shared Subscription Available"
        }
    }

    /// Bit `rawValue` of a 64-bit set; all identifiers are below 64.
    var bit: UInt64 { 1 << UInt64(self.rawValue) }
}
