import BrokerCore
import MQTTCodec
import MessageMapping
import NIOCore

/// Messages from the client: PUBLISH, PUBREL and the broker's commit.
extension MQTTSessionStateMachine {
    mutating func publishReceived(_ packet: MQTTPublishPacket, now: Int64) -> [MQTTSessionAction] {
        var topic = packet.topicName
        if self.session.isV5 {
            if !packet.properties.subscriptionIdentifiers.isEmpty {
                return self.protocolViolation(.protocolError, "Subscription Identifier in a client PUBLISH")
            }
            if let alias = packet.properties.topicAlias {
                guard alias >= 1, alias <= self.configuration.topicAliasMaximum else {
                    return self.protocolViolation(.topicAliasInvalid, "topic alias \(alias) out of range")
                }
                if topic.isEmpty {
                    guard let known = self.session.incomingAliases[alias] else {
                        return self.protocolViolation(.protocolError, "unknown topic alias \(alias)")
                    }
                    topic = known
                } else {
                    self.session.incomingAliases[alias] = topic
                }
            }
        }
        if topic.isEmpty || MQTTTopic.containsWildcard(topic) {
            return self.protocolViolation(.topicNameInvalid, "invalid topic name")
        }
        // The payload stays a slice of the read buffer: the registry encodes the stored body (and a
        // retained copy) into buffers of their own at once, so copying it here would be a second copy.
        let body = MQTTStoredBody(publish: packet, publisherClientID: self.session.clientID)
        let expiration = packet.properties.messageExpiryInterval.map { now + Int64($0) * 1000 }
        var publication = MQTTIncomingPublication(topic: topic, body: body, expiration: expiration, packetID: nil, storesPacketID: false)

        switch packet.qos {
        case .atMostOnce:
            return [.publish(publication)]
        case .atLeastOnce:
            guard let packetID = packet.packetIdentifier else { return self.protocolViolation(.protocolError, "QoS 1 without packet id") }
            if self.session.incomingQoS1.contains(packetID) {
                if packet.duplicate { return [] }  // the first copy is being stored; it gets the PUBACK
                return self.protocolViolation(.packetIdentifierInUse, "packet id \(packetID) reused while in flight")
            }
            guard self.session.incomingInFlight < Int(self.configuration.receiveMaximum) else {
                return self.protocolViolation(.receiveMaximumExceeded, "receive maximum exceeded")
            }
            self.session.incomingQoS1.insert(packetID)
            publication.packetID = packetID
            return [.publish(publication)]
        case .exactlyOnce:
            guard let packetID = packet.packetIdentifier else { return self.protocolViolation(.protocolError, "QoS 2 without packet id") }
            switch self.session.incomingQoS2[packetID] {
            case .received?:
                // Stored already (perhaps before a reconnect or a restart): acknowledge, do not store twice.
                return [.send(.pubRec(MQTTPubRecPacket(packetIdentifier: packetID)))]
            case .storing?:
                if packet.duplicate { return [] }
                return self.protocolViolation(.packetIdentifierInUse, "packet id \(packetID) reused while in flight")
            case nil:
                break
            }
            guard self.session.incomingInFlight < Int(self.configuration.receiveMaximum) else {
                return self.protocolViolation(.receiveMaximumExceeded, "receive maximum exceeded")
            }
            self.session.incomingQoS2[packetID] = .storing
            publication.packetID = packetID
            publication.storesPacketID = self.session.isPersistent
            return [.publish(publication)]
        }
    }

    /// The broker stored (or refused) the message of `packetID`.
    mutating func publishCommitted(packetID: UInt16, qos: MQTTQoS, result: Result<Void, BrokerError>) -> [MQTTSessionAction] {
        switch self.phase {
        case .connected:
            break
        case .awaitingConnect, .authenticating, .attaching, .closing, .closed:
            return []
        }
        let reasonCode: MQTTReasonCode
        switch result {
        case .success:
            reasonCode = .success
        case .failure(let error):
            reasonCode = MQTTErrorMapping.reasonCode(for: error)
            guard self.session.isV5 else {
                // MQTT 3.1.1 cannot refuse a PUBLISH: closing is the only signal.
                return self.protocolViolation(reasonCode, "publish refused: \(error)")
            }
        }
        var properties = MQTTProperties.none
        if reasonCode.isFailure, self.session.requestProblemInformation, case .failure(let error) = result {
            properties.reasonString = error.detail
        }
        switch qos {
        case .atMostOnce:
            return []
        case .atLeastOnce:
            guard self.session.incomingQoS1.remove(packetID) != nil else { return [] }
            return [.send(.pubAck(MQTTPubAckPacket(packetIdentifier: packetID, reasonCode: reasonCode, properties: properties)))]
        case .exactlyOnce:
            guard self.session.incomingQoS2[packetID] == .storing else { return [] }
            if reasonCode.isFailure {
                self.session.incomingQoS2[packetID] = nil
            } else {
                self.session.incomingQoS2[packetID] = .received
            }
            return [.send(.pubRec(MQTTPubRecPacket(packetIdentifier: packetID, reasonCode: reasonCode, properties: properties)))]
        }
    }

    mutating func pubRelReceived(_ packetID: UInt16) -> [MQTTSessionAction] {
        switch self.session.incomingQoS2[packetID] {
        case .received?:
            self.session.incomingQoS2[packetID] = nil
            var actions: [MQTTSessionAction] = []
            if self.session.isPersistent {
                actions.append(.storePacketID(incoming: true, packetID: packetID, held: false))
            }
            actions.append(.send(.pubComp(MQTTPubCompPacket(packetIdentifier: packetID))))
            return actions
        case .storing?, nil:
            let reason: MQTTReasonCode = self.session.isV5 ? .packetIdentifierNotFound : .success
            return [.send(.pubComp(MQTTPubCompPacket(packetIdentifier: packetID, reasonCode: reason)))]
        }
    }
}
