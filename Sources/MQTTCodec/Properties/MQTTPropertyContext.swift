/// Where a property list sits: each packet type's variable header, plus the will properties of CONNECT.
/// Each allows a different set of properties (MQTT 5.0 section 2.2.2.2, table "Properties").
enum MQTTPropertyContext {
    case connect
    case will
    case connAck
    case publish
    case pubAck
    case pubRec
    case pubRel
    case pubComp
    case subscribe
    case subAck
    case unsubscribe
    case unsubAck
    case disconnect
    case auth

    var packetType: MQTTPacketType {
        switch self {
        case .connect, .will: return .connect
        case .connAck: return .connAck
        case .publish: return .publish
        case .pubAck: return .pubAck
        case .pubRec: return .pubRec
        case .pubRel: return .pubRel
        case .pubComp: return .pubComp
        case .subscribe: return .subscribe
        case .subAck: return .subAck
        case .unsubscribe: return .unsubscribe
        case .unsubAck: return .unsubAck
        case .disconnect: return .disconnect
        case .auth: return .auth
        }
    }

    /// The name of the Property Length field in this context, for error messages.
    var lengthFieldName: String {
        switch self {
        case .will: return "Will Properties Length"
        default: return "Property Length"
        }
    }

    func allows(_ identifier: MQTTPropertyIdentifier) -> Bool {
        self.allowedIdentifiers & identifier.bit != 0
    }

    /// Whether a property may occur more than once here. User Property always may; Subscription
    /// Identifier may in PUBLISH, where one message matched several subscriptions (section 3.3.2.3.8).
    func allowsRepeated(_ identifier: MQTTPropertyIdentifier) -> Bool {
        switch identifier {
        case .userProperty: return true
        case .subscriptionIdentifier: return self == .publish
        default: return false
        }
    }

    private var allowedIdentifiers: UInt64 {
        typealias P = MQTTPropertyIdentifier
        switch self {
        case .connect:
            return P.sessionExpiryInterval.bit | P.authenticationMethod.bit | P.authenticationData.bit
                | P.requestProblemInformation.bit | P.requestResponseInformation.bit | P.receiveMaximum.bit
                | P.topicAliasMaximum.bit | P.userProperty.bit | P.maximumPacketSize.bit
        case .will:
            return P.payloadFormatIndicator.bit | P.messageExpiryInterval.bit | P.contentType.bit
                | P.responseTopic.bit | P.correlationData.bit | P.willDelayInterval.bit | P.userProperty.bit
        case .connAck:
            return P.sessionExpiryInterval.bit | P.assignedClientIdentifier.bit | P.serverKeepAlive.bit
                | P.authenticationMethod.bit | P.authenticationData.bit | P.responseInformation.bit
                | P.serverReference.bit | P.reasonString.bit | P.receiveMaximum.bit | P.topicAliasMaximum.bit
                | P.maximumQoS.bit | P.retainAvailable.bit | P.userProperty.bit | P.maximumPacketSize.bit
                | P.wildcardSubscriptionAvailable.bit | P.subscriptionIdentifierAvailable.bit
                | P.sharedSubscriptionAvailable.bit
        case .publish:
            return P.payloadFormatIndicator.bit | P.messageExpiryInterval.bit | P.contentType.bit
                | P.responseTopic.bit | P.correlationData.bit | P.subscriptionIdentifier.bit | P.topicAlias.bit
                | P.userProperty.bit
        case .pubAck, .pubRec, .pubRel, .pubComp, .subAck, .unsubAck:
            return P.reasonString.bit | P.userProperty.bit
        case .subscribe:
            return P.subscriptionIdentifier.bit | P.userProperty.bit
        case .unsubscribe:
            return P.userProperty.bit
        case .disconnect:
            return P.sessionExpiryInterval.bit | P.serverReference.bit | P.reasonString.bit | P.userProperty.bit
        case .auth:
            return P.authenticationMethod.bit | P.authenticationData.bit | P.reasonString.bit | P.userProperty.bit
        }
    }
}
