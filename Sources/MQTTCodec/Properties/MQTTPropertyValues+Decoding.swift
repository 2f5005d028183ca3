import NIOCore

extension MQTTProperties {
    /// Reads a Property Length and the properties it covers (MQTT 5.0 section 2.2.2), checking that
    /// each identifier is known and allowed in `context`, that single-valued properties occur once,
    /// and that values are in range.
    static func decode(
        from reader: inout MQTTPacketReader,
        context: MQTTPropertyContext
    ) throws(MQTTDecodingError) -> MQTTProperties {
        let length = try reader.readVariableByteInteger(context.lengthFieldName)
        guard length > 0 else {
            return .none
        }
        var propertyReader = try reader.readSubReader(length: length, field: "Properties")
        var values = MQTTPropertyValues()
        var seen: UInt64 = 0
        while !propertyReader.isAtEnd {
            // The identifier is a Variable Byte Integer on the wire, although every defined one fits in 7 bits.
            let rawIdentifier = try propertyReader.readVariableByteInteger("Property Identifier")
            guard rawIdentifier <= UInt8.max, let identifier = MQTTPropertyIdentifier(rawValue: UInt8(rawIdentifier))
            else {
                throw propertyReader.error(
                    .unknownProperty,
                    field: "Property Identifier",
                    detail: "identifier \(rawIdentifier)"
                )
            }
            let field = identifier.fieldName
            guard context.allows(identifier) else {
                throw propertyReader.error(.propertyNotAllowed, field: field)
            }
            guard seen & identifier.bit == 0 || context.allowsRepeated(identifier) else {
                throw propertyReader.error(.duplicateProperty, field: field)
            }
            seen |= identifier.bit
            try values.decodeValue(of: identifier, field: field, from: &propertyReader)
        }
        if values.authenticationData != nil && values.authenticationMethod == nil {
            // MQTT 5.0 sections 3.1.2.11.10 and 3.2.2.3.18.
            throw reader.error(.invalidPropertyValue, field: "Authentication Data", detail: "without a method")
        }
        return MQTTProperties(decodedValues: values)
    }
}

extension MQTTPropertyValues {
    fileprivate mutating func decodeValue(
        of identifier: MQTTPropertyIdentifier,
        field: String,
        from reader: inout MQTTPacketReader
    ) throws(MQTTDecodingError) {
        switch identifier {
        case .payloadFormatIndicator:
            let rawValue = try reader.readUInt8(field)
            guard let value = MQTTPayloadFormatIndicator(rawValue: rawValue) else {
                throw reader.error(.invalidPropertyValue, field: field, detail: "value \(rawValue)")
            }
            self.payloadFormatIndicator = value
        case .messageExpiryInterval:
            self.messageExpiryInterval = try reader.readUInt32(field)
        case .contentType:
            self.contentType = try reader.readString(field)
        case .responseTopic:
            self.responseTopic = try reader.readString(field)
        case .correlationData:
            self.correlationData = try reader.readBinary(field)
        case .subscriptionIdentifier:
            let value = try reader.readVariableByteInteger(field)
            guard value != 0 else {
                throw reader.error(.invalidPropertyValue, field: field, detail: "value 0")
            }
            self.subscriptionIdentifiers.append(value)
        case .sessionExpiryInterval:
            self.sessionExpiryInterval = try reader.readUInt32(field)
        case .assignedClientIdentifier:
            self.assignedClientIdentifier = try reader.readString(field)
        case .serverKeepAlive:
            self.serverKeepAlive = try reader.readUInt16(field)
        case .authenticationMethod:
            self.authenticationMethod = try reader.readString(field)
        case .authenticationData:
            self.authenticationData = try reader.readBinary(field)
        case .requestProblemInformation:
            self.requestProblemInformation = try Self.readBoolean(field, from: &reader)
        case .willDelayInterval:
            self.willDelayInterval = try reader.readUInt32(field)
        case .requestResponseInformation:
            self.requestResponseInformation = try Self.readBoolean(field, from: &reader)
        case .responseInformation:
            self.responseInformation = try reader.readString(field)
        case .serverReference:
            self.serverReference = try reader.readString(field)
        case .reasonString:
            self.reasonString = try reader.readString(field)
        case .receiveMaximum:
            self.receiveMaximum = try Self.readNonZeroUInt16(field, from: &reader)
        case .topicAliasMaximum:
            self.topicAliasMaximum = try reader.readUInt16(field)
        case .topicAlias:
            self.topicAlias = try Self.readNonZeroUInt16(field, from: &reader)
        case .maximumQoS:
            let rawValue = try reader.readUInt8(field)
            guard rawValue <= MQTTQoS.atLeastOnce.rawValue, let qos = MQTTQoS(rawValue: rawValue) else {
                throw reader.error(.invalidPropertyValue, field: field, detail: "value \(rawValue)")
            }
            self.maximumQoS = qos
        case .retainAvailable:
            self.retainAvailable = try Self.readBoolean(field, from: &reader)
        case .userProperty:
            let name = try reader.readString("User Property name")
            let value = try reader.readString("User Property value")
            self.userProperties.append(MQTTUserProperty(name: name, value: value))
        case .maximumPacketSize:
            let value = try reader.readUInt32(field)
            guard value != 0 else {
                throw reader.error(.invalidPropertyValue, field: field, detail: "value 0")
            }
            self.maximumPacketSize = value
        case .wildcardSubscriptionAvailable:
            self.wildcardSubscriptionAvailable = try Self.readBoolean(field, from: &reader)
        case .subscriptionIdentifierAvailable:
            self.subscriptionIdentifierAvailable = try Self.readBoolean(field, from: &reader)
        case .sharedSubscriptionAvailable:
            self.sharedSubscriptionAvailable = try Self.readBoolean(field, from: &reader)
        }
    }

    /// A Byte property that may only be 0 or 1.
    private static func readBoolean(_ field: String, from reader: inout MQTTPacketReader) throws(MQTTDecodingError)
        -> Bool
    {
        switch try reader.readUInt8(field) {
        case 0: return false
        case 1: return true
        case let other: throw reader.error(.invalidPropertyValue, field: field, detail: "value \(other)")
        }
    }

    private static func readNonZeroUInt16(
        _ field: String,
        from reader: inout MQTTPacketReader
    ) throws(MQTTDecodingError) -> UInt16 {
        let value = try reader.readUInt16(field)
        guard value != 0 else {
            throw reader.error(.invalidPropertyValue, field: field, detail: "value 0")
        }
        return value
    }
}
