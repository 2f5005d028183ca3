import MQTTCodec
import NIOCore

/// SUBSCRIBE and UNSUBSCRIBE.
extension MQTTSessionStateMachine {
    static let sharePrefix = "$share/"

    /// Builds a subscription for `filter` (shared when it starts with `$share/GROUP/`); nil when the
    /// filter (or share group) is not valid.
    mutating func makeSubscription(filter: String, options: MQTTSubscriptionOptions, subscriptionIdentifier: Int?, queueName: String? = nil) -> MQTTActiveSubscription? {
        var routingFilter = filter
        var isShared = false
        if filter.hasPrefix(Self.sharePrefix) {
            let rest = filter.dropFirst(Self.sharePrefix.count)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            let group = rest[..<slash]
            routingFilter = String(rest[rest.index(after: slash)...])
            guard !group.isEmpty, !group.contains("+"), !group.contains("#") else { return nil }
            isShared = true
        }
        guard MQTTTopic.isValidFilter(routingFilter) else { return nil }
        let id = self.session.subscriptions[filter]?.id ?? self.session.nextSubscriptionID
        if id == self.session.nextSubscriptionID { self.session.nextSubscriptionID += 1 }
        return MQTTActiveSubscription(
            id: id,
            filter: filter,
            routingFilter: routingFilter,
            queueName: queueName ?? (isShared ? filter : MQTTPersistedSession.queueName(clientID: self.session.clientID, filter: filter)),
            options: options,
            subscriptionIdentifier: subscriptionIdentifier,
            isShared: isShared,
            isDurable: self.session.isPersistent
        )
    }

    mutating func subscribeReceived(_ packet: MQTTSubscribePacket) -> [MQTTSessionAction] {
        let identifier = packet.properties.subscriptionIdentifiers.first
        var requests: [MQTTSubscriptionRequest] = []
        var invalid: Set<Int> = []
        for (index, entry) in packet.subscriptions.enumerated() {
            guard let subscription = self.makeSubscription(filter: entry.topicFilter, options: entry.options, subscriptionIdentifier: identifier) else {
                invalid.insert(index)
                continue
            }
            if subscription.isShared && entry.options.noLocal && self.session.isV5 {
                return self.protocolViolation(.protocolError, "No Local on a shared subscription")
            }
            requests.append(MQTTSubscriptionRequest(subscription: subscription, isNew: self.session.subscriptions[entry.topicFilter] == nil))
        }
        self.pendingSubscribeInvalid[packet.packetIdentifier] = (packet.subscriptions.count, invalid)
        return [.subscribe(packetID: packet.packetIdentifier, requests, credit: self.session.outgoingWindow)]
    }

    /// The handler created the queues and consumers of a SUBSCRIBE (`outcomes` in request order).
    mutating func subscriptionsCreated(packetID: UInt16, _ requests: [MQTTSubscriptionRequest], outcomes: [MQTTSubscriptionOutcome], now: Int64) -> [MQTTSessionAction] {
        let (count, invalid) = self.pendingSubscribeInvalid.removeValue(forKey: packetID) ?? (requests.count, [])
        switch self.phase {
        case .connected:
            break
        case .awaitingConnect, .authenticating, .attaching, .closing, .closed:
            return []
        }
        var reasonCodes: [MQTTReasonCode] = []
        var retainedActions: [MQTTSessionAction] = []
        var requestIndex = 0
        for index in 0..<count {
            if invalid.contains(index) {
                reasonCodes.append(.topicFilterInvalid)
                continue
            }
            guard requestIndex < requests.count, requestIndex < outcomes.count else {
                reasonCodes.append(.unspecifiedError)
                continue
            }
            let request = requests[requestIndex]
            let outcome = outcomes[requestIndex]
            requestIndex += 1
            switch outcome {
            case .failed(let code):
                reasonCodes.append(code)
            case .created(let retained):
                let subscription = request.subscription
                self.session.subscriptions[subscription.filter] = subscription
                self.session.filterBySubscriptionID[subscription.id] = subscription.filter
                reasonCodes.append(MQTTReasonCode(rawValue: subscription.options.qos.rawValue))
                let sendRetained: Bool
                switch subscription.options.retainHandling {
                case .sendOnSubscribe: sendRetained = !subscription.isShared
                case .sendOnNewSubscribeOnly: sendRetained = !subscription.isShared && request.isNew
                case .doNotSend: sendRetained = false
                }
                if sendRetained {
                    for message in retained {
                        self.retainedMessageMatched(message, subscription: subscription, now: now, into: &retainedActions)
                    }
                }
            }
        }
        var actions: [MQTTSessionAction] = [.send(.subAck(MQTTSubAckPacket(packetIdentifier: packetID, reasonCodes: reasonCodes)))]
        if self.session.isPersistent {
            actions.append(.saveSubscriptions(self.persistedSubscriptions))
        }
        return actions + retainedActions
    }

    mutating func unsubscribeReceived(_ packet: MQTTUnsubscribePacket) -> [MQTTSessionAction] {
        var removed: [MQTTActiveSubscription] = []
        var reasonCodes: [MQTTReasonCode] = []
        for filter in packet.topicFilters {
            if let subscription = self.session.subscriptions.removeValue(forKey: filter) {
                self.session.filterBySubscriptionID[subscription.id] = nil
                self.session.pending.removeAll { $0.subscriptionID == subscription.id }
                removed.append(subscription)
                reasonCodes.append(.success)
            } else {
                reasonCodes.append(.noSubscriptionExisted)
            }
        }
        var actions: [MQTTSessionAction] = []
        if !removed.isEmpty {
            actions.append(.unsubscribe(removed, persistent: self.session.isPersistent))
            if self.session.isPersistent {
                actions.append(.saveSubscriptions(self.persistedSubscriptions))
            }
        }
        actions.append(.send(.unsubAck(MQTTUnsubAckPacket(packetIdentifier: packet.packetIdentifier, reasonCodes: self.session.isV5 ? reasonCodes : []))))
        return actions
    }

    var persistedSubscriptions: [MQTTPersistedSession.Subscription] {
        self.session.subscriptions.values.sorted { $0.id < $1.id }.map(\.persisted)
    }
}
