import BrokerCore
import BrokerStore
import MQTTCodec
import MessageMapping
import NIOCore

/// Messages to the client: deliveries from subscription queues, retained messages, and their acks.
extension MQTTSessionStateMachine {
    /// A subscription's consumer received `deliveries` (in queue order).
    mutating func deliveriesArrived(subscriptionID: Int, _ deliveries: [Delivery], now: Int64) -> [MQTTSessionAction] {
        switch self.phase {
        case .connected:
            break
        case .awaitingConnect, .authenticating, .attaching, .closing, .closed:
            return []  // the consumer is being closed; it returns unsettled deliveries to the queue
        }
        guard let filter = self.session.filterBySubscriptionID[subscriptionID],
            let subscription = self.session.subscriptions[filter]
        else {
            return []
        }
        var actions: [MQTTSessionAction] = []
        for delivery in deliveries {
            if let expiration = delivery.message.expiration, expiration <= now {
                actions.append(.acknowledge(subscriptionID: subscriptionID, delivery.key))
                actions.append(.grantCredit(subscriptionID: subscriptionID, 1))
                continue
            }
            let body = MessageMapping.mqttBody(for: delivery.message, readingPublisher: subscription.options.noLocal)
            if subscription.options.noLocal, delivery.message.origin == .mqtt, body.publisherClientID == self.session.clientID {
                actions.append(.acknowledge(subscriptionID: subscriptionID, delivery.key))
                actions.append(.grantCredit(subscriptionID: subscriptionID, 1))
                continue
            }
            let qos = min(body.qos, subscription.options.qos)
            let message = OutgoingMessage(
                subscriptionID: subscriptionID,
                key: delivery.key,
                topic: delivery.message.address,
                body: body,
                qos: qos,
                retain: subscription.options.retainAsPublished && body.retain,
                duplicate: delivery.deliveryCount > 0 && qos != .atMostOnce,
                expiration: delivery.message.expiration,
                subscriptionIdentifier: subscription.subscriptionIdentifier
            )
            self.enqueueOutgoing(message, now: now, into: &actions)
        }
        return actions
    }

    /// Sends now (QoS 0, or a free slot in the client's window) or keeps it until a slot frees up.
    mutating func enqueueOutgoing(_ message: OutgoingMessage, now: Int64, into actions: inout [MQTTSessionAction]) {
        if message.qos == .atMostOnce {
            self.sendOutgoing(message, packetID: nil, now: now, into: &actions)
        } else if self.session.pending.isEmpty, self.session.outgoing.count < self.session.outgoingWindow,
            let packetID = self.allocatePacketID(for: message.key)
        {
            self.sendOutgoing(message, packetID: packetID, now: now, into: &actions)
        } else {
            self.session.pending.append(message)
        }
    }

    /// Writes the PUBLISH (or drops it when it is larger than the client accepts).
    private mutating func sendOutgoing(_ message: OutgoingMessage, packetID: UInt16?, now: Int64, into actions: inout [MQTTSessionAction]) {
        var properties = MQTTProperties.none
        if self.session.isV5 {
            properties = message.body.properties
            if let expiration = message.expiration {
                // The remaining lifetime, rounded up so a live message never says 0.
                properties.messageExpiryInterval = UInt32(clamping: max(1, (expiration - now + 999) / 1000))
            }
            if let identifier = message.subscriptionIdentifier {
                properties.subscriptionIdentifiers = [identifier]
            }
        }
        var topic = message.topic
        if self.session.isV5, self.session.clientTopicAliasMaximum > 0 {
            if let alias = self.session.outgoingAliases[topic] {
                properties.topicAlias = alias
                topic = ""
            } else if self.session.outgoingAliases.count < Int(self.session.clientTopicAliasMaximum) {
                let alias = UInt16(self.session.outgoingAliases.count + 1)
                self.session.outgoingAliases[topic] = alias
                properties.topicAlias = alias
            }
        }
        let publish = MQTTPublishPacket(
            topicName: topic,
            payload: message.body.payload,
            qos: message.qos,
            retain: message.retain,
            duplicate: message.duplicate,
            packetIdentifier: packetID,
            properties: properties
        )
        if let maximum = self.session.clientMaximumPacketSize {
            var probe = ByteBuffer()
            let fits = (try? MQTTPacket.publish(publish).encode(into: &probe, version: self.session.version)) != nil && probe.readableBytes <= maximum
            if !fits {
                // MQTT 5 section 3.1.2.11.4: a packet too large for the client is discarded as if sent.
                if properties.topicAlias != nil && !topic.isEmpty { self.session.outgoingAliases[message.topic] = nil }
                self.settle(message, into: &actions)
                return
            }
        }
        actions.append(.send(.publish(publish)))
        if let packetID {
            self.session.outgoing[packetID] = OutgoingInFlight(
                subscriptionID: message.subscriptionID,
                key: message.key,
                stage: message.qos == .atLeastOnce ? .awaitingPubAck : .awaitingPubRec
            )
        } else {
            self.settle(message, into: &actions)
        }
    }

    /// The message needs nothing more from the client: ack it in its queue and return the credit.
    private func settle(_ message: OutgoingMessage, into actions: inout [MQTTSessionAction]) {
        guard let subscriptionID = message.subscriptionID, let key = message.key else { return }
        actions.append(.acknowledge(subscriptionID: subscriptionID, key))
        actions.append(.grantCredit(subscriptionID: subscriptionID, 1))
    }

    /// The packet id for a PUBLISH of the message at `key`: the one it had when the client last
    /// left it unacknowledged, else the next free one that is not kept for such a resend.
    private mutating func allocatePacketID(for key: EntryKey?) -> UInt16? {
        if let key, !self.session.resendPacketIDs.isEmpty,
            let packetID = self.session.resendPacketIDs.removeValue(forKey: ResendKey(queue: key.queue, message: key.message))
        {
            self.session.reservedPacketIDs.remove(packetID)
            if self.session.outgoing[packetID] == nil { return packetID }
        }
        guard self.session.outgoing.count + self.session.reservedPacketIDs.count < Int(UInt16.max) else { return nil }
        while true {
            let candidate = self.session.nextPacketID
            self.session.nextPacketID = candidate == UInt16.max ? 1 : candidate + 1
            if self.session.outgoing[candidate] == nil, !self.session.reservedPacketIDs.contains(candidate) { return candidate }
        }
    }

    /// Sends waiting messages while the client's window has room.
    private mutating func sendPending(now: Int64, into actions: inout [MQTTSessionAction]) {
        while let message = self.session.pending.first, self.session.outgoing.count < self.session.outgoingWindow,
            let packetID = self.allocatePacketID(for: message.key)
        {
            self.session.pending.removeFirst()
            if let expiration = message.expiration, expiration <= now {
                self.session.nextPacketID = packetID  // unused; hand it out again
                self.settle(message, into: &actions)
                continue
            }
            self.sendOutgoing(message, packetID: packetID, now: now, into: &actions)
        }
    }

    mutating func pubAckReceived(_ packetID: UInt16, now: Int64) -> [MQTTSessionAction] {
        guard let inFlight = self.session.outgoing[packetID], inFlight.stage == .awaitingPubAck else {
            return []  // unknown ids are ignored (a late ack after a subscription ended)
        }
        self.session.outgoing[packetID] = nil
        var actions: [MQTTSessionAction] = []
        if let subscriptionID = inFlight.subscriptionID, let key = inFlight.key {
            actions.append(.acknowledge(subscriptionID: subscriptionID, key))
            actions.append(.grantCredit(subscriptionID: subscriptionID, 1))
        }
        self.sendPending(now: now, into: &actions)
        return actions
    }

    mutating func pubRecReceived(_ packet: MQTTPubRecPacket, now: Int64) -> [MQTTSessionAction] {
        let packetID = packet.packetIdentifier
        guard var inFlight = self.session.outgoing[packetID] else {
            return self.session.isV5 ? [.send(.pubRel(MQTTPubRelPacket(packetIdentifier: packetID, reasonCode: .packetIdentifierNotFound)))] : []
        }
        switch inFlight.stage {
        case .awaitingPubAck:
            return self.protocolViolation(.protocolError, "PUBREC for a QoS 1 message")
        case .awaitingPubComp:
            return [.send(.pubRel(MQTTPubRelPacket(packetIdentifier: packetID)))]
        case .awaitingPubRec:
            break
        }
        var actions: [MQTTSessionAction] = []
        if packet.reasonCode.isFailure {
            // The client refused it: the exchange ends here (MQTT 5 section 4.3.3).
            self.session.outgoing[packetID] = nil
            if let subscriptionID = inFlight.subscriptionID, let key = inFlight.key {
                actions.append(.acknowledge(subscriptionID: subscriptionID, key))
                actions.append(.grantCredit(subscriptionID: subscriptionID, 1))
            }
            self.sendPending(now: now, into: &actions)
            return actions
        }
        if self.session.isPersistent {
            actions.append(.storePacketID(incoming: false, packetID: packetID, held: true))
        }
        if let subscriptionID = inFlight.subscriptionID, let key = inFlight.key {
            actions.append(.acknowledge(subscriptionID: subscriptionID, key))
        }
        inFlight.stage = .awaitingPubComp
        inFlight.key = nil
        self.session.outgoing[packetID] = inFlight
        actions.append(.send(.pubRel(MQTTPubRelPacket(packetIdentifier: packetID))))
        return actions
    }

    mutating func pubCompReceived(_ packetID: UInt16, now: Int64) -> [MQTTSessionAction] {
        guard let inFlight = self.session.outgoing[packetID], inFlight.stage == .awaitingPubComp else {
            return []
        }
        self.session.outgoing[packetID] = nil
        var actions: [MQTTSessionAction] = []
        if self.session.isPersistent {
            actions.append(.storePacketID(incoming: false, packetID: packetID, held: false))
        }
        if let subscriptionID = inFlight.subscriptionID {
            actions.append(.grantCredit(subscriptionID: subscriptionID, 1))
        }
        self.sendPending(now: now, into: &actions)
        return actions
    }

    /// Queues a retained message for a new subscription (RETAIN set, as MQTT requires on subscribe).
    mutating func retainedMessageMatched(_ retained: MQTTSessionRegistry.RetainedMessage, subscription: MQTTActiveSubscription, now: Int64, into actions: inout [MQTTSessionAction]) {
        let message = OutgoingMessage(
            subscriptionID: nil,
            key: nil,
            topic: retained.topic,
            body: retained.body,
            qos: min(retained.body.qos, subscription.options.qos),
            retain: true,
            duplicate: false,
            expiration: retained.expiration,
            subscriptionIdentifier: subscription.subscriptionIdentifier
        )
        self.enqueueOutgoing(message, now: now, into: &actions)
    }
}
