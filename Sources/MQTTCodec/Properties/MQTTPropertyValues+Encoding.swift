import NIOCore

extension MQTTProperties {
    /// The size of the properties without their Property Length; checks every value fits its wire type.
    /// Also checks that every property present is allowed in `context`.
    @inline(__always)
    func encodedLength(context: MQTTPropertyContext) throws(MQTTEncodingError) -> Int {
        guard let storage = self.storage else {
            return 0
        }
        return try storage.values.encodedLength(context: context)
    }

    /// Writes Property Length and properties, in identifier order; `length` is from ``encodedLength``.
    @inline(__always)
    func write(length: Int, into buffer: inout ByteBuffer) {
        buffer.writeMQTTVariableByteInteger(length)
        guard length > 0, let storage = self.storage else {
            return
        }
        storage.values.write(into: &buffer)
    }
}

extension MQTTPropertyValues {
    fileprivate func encodedLength(context: MQTTPropertyContext) throws(MQTTEncodingError) -> Int {
        typealias P = MQTTPropertyIdentifier
        let packetType = context.packetType
        var counter = MQTTLengthCounter(packetType: packetType)
        var present: UInt64 = 0
        // Identifier byte plus value, per present property.
        if self.payloadFormatIndicator != nil {
            counter.add(2)
            present |= P.payloadFormatIndicator.bit
        }
        if self.messageExpiryInterval != nil {
            counter.add(5)
            present |= P.messageExpiryInterval.bit
        }
        if let contentType = self.contentType {
            counter.add(1)
            present |= P.contentType.bit
            try counter.addString(contentType, field: "Content Type")
        }
        if let responseTopic = self.responseTopic {
            counter.add(1)
            present |= P.responseTopic.bit
            try counter.addString(responseTopic, field: "Response Topic")
        }
        if let correlationData = self.correlationData {
            counter.add(1)
            present |= P.correlationData.bit
            try counter.addBinary(correlationData, field: "Correlation Data")
        }
        for subscriptionIdentifier in self.subscriptionIdentifiers {
            counter.add(1)
            present |= P.subscriptionIdentifier.bit
            try counter.addVariableByteInteger(subscriptionIdentifier, field: "Subscription Identifier")
        }
        if self.sessionExpiryInterval != nil {
            counter.add(5)
            present |= P.sessionExpiryInterval.bit
        }
        if let assignedClientIdentifier = self.assignedClientIdentifier {
            counter.add(1)
            present |= P.assignedClientIdentifier.bit
            try counter.addString(assignedClientIdentifier, field: "Assigned Client Identifier")
        }
        if self.serverKeepAlive != nil {
            counter.add(3)
            present |= P.serverKeepAlive.bit
        }
        if let authenticationMethod = self.authenticationMethod {
            counter.add(1)
            present |= P.authenticationMethod.bit
            try counter.addString(authenticationMethod, field: "Authentication Method")
        }
        if let authenticationData = self.authenticationData {
            counter.add(1)
            present |= P.authenticationData.bit
            try counter.addBinary(authenticationData, field: "Authentication Data")
        }
        if self.requestProblemInformation != nil {
            counter.add(2)
            present |= P.requestProblemInformation.bit
        }
        if self.willDelayInterval != nil {
            counter.add(5)
            present |= P.willDelayInterval.bit
        }
        if self.requestResponseInformation != nil {
            counter.add(2)
            present |= P.requestResponseInformation.bit
        }
        if let responseInformation = self.responseInformation {
            counter.add(1)
            present |= P.responseInformation.bit
            try counter.addString(responseInformation, field: "Response Information")
        }
        if let serverReference = self.serverReference {
            counter.add(1)
            present |= P.serverReference.bit
            try counter.addString(serverReference, field: "Server Reference")
        }
        if let reasonString = self.reasonString {
            counter.add(1)
            present |= P.reasonString.bit
            try counter.addString(reasonString, field: "Reason String")
        }
        if self.receiveMaximum != nil {
            counter.add(3)
            present |= P.receiveMaximum.bit
        }
        if self.topicAliasMaximum != nil {
            counter.add(3)
            present |= P.topicAliasMaximum.bit
        }
        if self.topicAlias != nil {
            counter.add(3)
            present |= P.topicAlias.bit
        }
        if self.maximumQoS != nil {
            counter.add(2)
            present |= P.maximumQoS.bit
        }
        if self.retainAvailable != nil {
            counter.add(2)
            present |= P.retainAvailable.bit
        }
        for userProperty in self.userProperties {
            counter.add(1)
            present |= P.userProperty.bit
            try counter.addString(userProperty.name, field: "User Property name")
            try counter.addString(userProperty.value, field: "User Property value")
        }
        if self.maximumPacketSize != nil {
            counter.add(5)
            present |= P.maximumPacketSize.bit
        }
        if self.wildcardSubscriptionAvailable != nil {
            counter.add(2)
            present |= P.wildcardSubscriptionAvailable.bit
        }
        if self.subscriptionIdentifierAvailable != nil {
            counter.add(2)
            present |= P.subscriptionIdentifierAvailable.bit
        }
        if self.sharedSubscriptionAvailable != nil {
            counter.add(2)
            present |= P.sharedSubscriptionAvailable.bit
        }
        // The peer would reject these as malformed or a protocol error (MQTT 5.0 section 2.2.2.2).
        if let identifier = MQTTPropertyIdentifier.allCases.first(where: {
            present & $0.bit != 0 && !context.allows($0)
        }) {
            throw MQTTEncodingError(code: .propertyNotAllowed, packetType: packetType, field: identifier.fieldName)
        }
        if self.subscriptionIdentifiers.count > 1 && !context.allowsRepeated(.subscriptionIdentifier) {
            throw MQTTEncodingError(code: .propertyNotAllowed, packetType: packetType, field: "Subscription Identifier")
        }
        guard counter.total <= MQTTVariableByteInteger.maximum else {
            throw MQTTEncodingError(code: .packetTooLarge, packetType: packetType, field: "Properties")
        }
        return counter.total
    }

    fileprivate func write(into buffer: inout ByteBuffer) {
        typealias P = MQTTPropertyIdentifier
        if let value = self.payloadFormatIndicator {
            buffer.writeInteger(P.payloadFormatIndicator.rawValue)
            buffer.writeInteger(value.rawValue)
        }
        if let value = self.messageExpiryInterval {
            buffer.writeInteger(P.messageExpiryInterval.rawValue)
            buffer.writeInteger(value)
        }
        if let value = self.contentType {
            buffer.writeInteger(P.contentType.rawValue)
            buffer.writeMQTTString(value)
        }
        if let value = self.responseTopic {
            buffer.writeInteger(P.responseTopic.rawValue)
            buffer.writeMQTTString(value)
        }
        if let value = self.correlationData {
            buffer.writeInteger(P.correlationData.rawValue)
            buffer.writeMQTTBinary(value)
        }
        for value in self.subscriptionIdentifiers {
            buffer.writeInteger(P.subscriptionIdentifier.rawValue)
            buffer.writeMQTTVariableByteInteger(value)
        }
        if let value = self.sessionExpiryInterval {
            buffer.writeInteger(P.sessionExpiryInterval.rawValue)
            buffer.writeInteger(value)
        }
        if let value = self.assignedClientIdentifier {
            buffer.writeInteger(P.assignedClientIdentifier.rawValue)
            buffer.writeMQTTString(value)
        }
        if let value = self.serverKeepAlive {
            buffer.writeInteger(P.serverKeepAlive.rawValue)
            buffer.writeInteger(value)
        }
        if let value = self.authenticationMethod {
            buffer.writeInteger(P.authenticationMethod.rawValue)
            buffer.writeMQTTString(value)
        }
        if let value = self.authenticationData {
            buffer.writeInteger(P.authenticationData.rawValue)
            buffer.writeMQTTBinary(value)
        }
        if let value = self.requestProblemInformation {
            buffer.writeInteger(P.requestProblemInformation.rawValue)
            buffer.writeInteger(UInt8(value ? 1 : 0))
        }
        if let value = self.willDelayInterval {
            buffer.writeInteger(P.willDelayInterval.rawValue)
            buffer.writeInteger(value)
        }
        if let value = self.requestResponseInformation {
            buffer.writeInteger(P.requestResponseInformation.rawValue)
            buffer.writeInteger(UInt8(value ? 1 : 0))
        }
        if let value = self.responseInformation {
            buffer.writeInteger(P.responseInformation.rawValue)
            buffer.writeMQTTString(value)
        }
        if let value = self.serverReference {
            buffer.writeInteger(P.serverReference.rawValue)
            buffer.writeMQTTString(value)
        }
        if let value = self.reasonString {
            buffer.writeInteger(P.reasonString.rawValue)
            buffer.writeMQTTString(value)
        }
        if let value = self.receiveMaximum {
            buffer.writeInteger(P.receiveMaximum.rawValue)
            buffer.writeInteger(value)
        }
        if let value = self.topicAliasMaximum {
            buffer.writeInteger(P.topicAliasMaximum.rawValue)
            buffer.writeInteger(value)
        }
        if let value = self.topicAlias {
            buffer.writeInteger(P.topicAlias.rawValue)
            buffer.writeInteger(value)
        }
        if let value = self.maximumQoS {
            buffer.writeInteger(P.maximumQoS.rawValue)
            buffer.writeInteger(value.rawValue)
        }
        if let value = self.retainAvailable {
            buffer.writeInteger(P.retainAvailable.rawValue)
            buffer.writeInteger(UInt8(value ? 1 : 0))
        }
        for userProperty in self.userProperties {
            buffer.writeInteger(P.userProperty.rawValue)
            buffer.writeMQTTString(userProperty.name)
            buffer.writeMQTTString(userProperty.value)
        }
        if let value = self.maximumPacketSize {
            buffer.writeInteger(P.maximumPacketSize.rawValue)
            buffer.writeInteger(value)
        }
        if let value = self.wildcardSubscriptionAvailable {
            buffer.writeInteger(P.wildcardSubscriptionAvailable.rawValue)
            buffer.writeInteger(UInt8(value ? 1 : 0))
        }
        if let value = self.subscriptionIdentifierAvailable {
            buffer.writeInteger(P.subscriptionIdentifierAvailable.rawValue)
            buffer.writeInteger(UInt8(value ? 1 : 0))
        }
        if let value = self.sharedSubscriptionAvailable {
            buffer.writeInteger(P.sharedSubscriptionAvailable.rawValue)
            buffer.writeInteger(UInt8(value ? 1 : 0))
        }
    }
}
