import BrokerCore
import BrokerStore
import MQTTCodec
@testable import MQTTEngine
import MessageMapping
import NIOCore
import Testing

@Suite struct MQTTSessionStateMachineTests {
    static let configuration = MQTTSessionStateMachine.Configuration(
        allowAnonymous: true,
        maximumPacketSize: 1 << 20,
        receiveMaximum: 2,
        topicAliasMaximum: 4,
        maximumOutgoingInFlight: 256,
        version3InFlight: 64,
        serverKeepAlive: nil
    )

    /// A machine connected with `connect`, its CONNACK checked.
    func connected(
        _ connect: MQTTConnectPacket,
        configuration: MQTTSessionStateMachine.Configuration = Self.configuration
    ) -> (MQTTSessionStateMachine, MQTTConnAckPacket?) {
        var machine = MQTTSessionStateMachine(configuration: configuration)
        let actions = machine.connectReceived(connect, generatedClientID: "generated-1")
        #expect(actions.names == ["attachSession"])
        let attached = machine.sessionAttached(sessionPresent: false, subscriptions: [], incomingPacketIDs: [], outgoingPacketIDs: [])
        guard case .connAck(let connAck)? = attached.first?.sentPacket else { return (machine, nil) }
        return (machine, connAck)
    }

    func delivery(_ id: UInt64, _ body: MQTTStoredBody, topic: String = "a/b", count: UInt32 = 0, expiration: Int64? = nil) -> Delivery {
        let message = StoredMessage(id: MessageID(id), address: topic, priority: 4, isDurable: true, expiration: expiration, creationTime: 0, origin: .mqtt, body: body.encoded())
        return Delivery(key: EntryKey(queue: QueueID(1), priority: 4, message: MessageID(id)), message: message, deliveryCount: count)
    }

    /// Subscribes `filter` and completes it; returns the subscription id.
    func subscribe(_ machine: inout MQTTSessionStateMachine, _ filter: String, options: MQTTSubscriptionOptions, identifier: Int? = nil) -> Int {
        let properties = identifier.map { MQTTProperties(subscriptionIdentifiers: [$0]) } ?? .none
        let actions = machine.packetReceived(.subscribe(MQTTSubscribePacket(packetIdentifier: 9, subscriptions: [MQTTSubscription(topicFilter: filter, options: options)], properties: properties)), now: 0)
        guard case .subscribe(_, let requests, _)? = actions.first else {
            Issue.record("no subscribe action: \(actions.names)")
            return 0
        }
        let done = machine.subscriptionsCreated(packetID: 9, requests, outcomes: requests.map { _ in .created(retained: []) }, now: 0)
        #expect(done.sentPackets.first?.packetType == .subAck)
        return requests[0].subscription.id
    }

    // MARK: CONNECT

    @Test func version3EmptyClientIDWithoutCleanSessionIsRefused() {
        var machine = MQTTSessionStateMachine(configuration: Self.configuration)
        let actions = machine.connectReceived(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "", cleanStart: false), generatedClientID: "x")
        #expect(actions.names == ["close"])
        #expect(reasonCode(of: actions) == .clientIdentifierNotValid)  // sent as return code 0x02
    }

    @Test func version5EmptyClientIDIsAssigned() {
        let (machine, connAck) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: ""))
        #expect(connAck?.properties.assignedClientIdentifier == "generated-1")
        #expect(connAck?.properties.receiveMaximum == 2)
        #expect(connAck?.properties.topicAliasMaximum == 4)
        #expect(machine.clientID == "generated-1")
    }

    @Test func credentialsGoThroughAuthentication() {
        var machine = MQTTSessionStateMachine(configuration: Self.configuration)
        let actions = machine.connectReceived(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", username: "u", password: ByteBuffer(string: "p")), generatedClientID: "x")
        #expect(actions.names == ["authenticate"])
        let refused = machine.authenticationCompleted(accepted: false)
        #expect(reasonCode(of: refused) == .badUserNameOrPassword)
    }

    @Test func anonymousIsRefusedWhenNotAllowed() {
        var configuration = Self.configuration
        configuration.allowAnonymous = false
        var machine = MQTTSessionStateMachine(configuration: configuration)
        let actions = machine.connectReceived(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c"), generatedClientID: "x")
        #expect(reasonCode(of: actions) == .notAuthorized)
    }

    @Test func serverKeepAliveReplacesALongerOne() {
        var configuration = Self.configuration
        configuration.serverKeepAlive = 30
        var machine = MQTTSessionStateMachine(configuration: configuration)
        _ = machine.connectReceived(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", keepAliveSeconds: 0), generatedClientID: "x")
        let actions = machine.sessionAttached(sessionPresent: false, subscriptions: [], incomingPacketIDs: [], outgoingPacketIDs: [])
        guard case .connAck(let connAck)? = actions.first?.sentPacket else { Issue.record("no CONNACK"); return }
        #expect(connAck.properties.serverKeepAlive == 30)
        guard case .startKeepAlive(let seconds) = actions[1] else { Issue.record("no keep alive"); return }
        #expect(seconds == 30)
    }

    @Test func persistentSessionFlags() {
        let (v3, _) = self.connected(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c", cleanStart: false))
        #expect(v3.session.persistentExpiry == MQTTPersistedSession.neverExpires)
        let (v5, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", cleanStart: false, properties: MQTTProperties(sessionExpiryInterval: 60)))
        #expect(v5.session.persistentExpiry == 60)
        let (clean, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", cleanStart: false))
        #expect(clean.session.persistentExpiry == nil)
    }

    @Test func secondConnectIsAProtocolError() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        let actions = machine.packetReceived(.connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c")), now: 0)
        #expect(reasonCode(of: actions) == .protocolError)
    }

    @Test func serverPacketsFromTheClientAreProtocolErrors() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c"))
        let actions = machine.packetReceived(.connAck(MQTTConnAckPacket()), now: 0)
        #expect(actions.names == ["close"])
        #expect(actions.first?.closePacket == .some(nil))  // 3.1.1: just close
    }

    @Test func unsupportedVersionGetsAVersion3ConnAck() {
        var machine = MQTTSessionStateMachine(configuration: Self.configuration)
        let error = MQTTDecodingError(code: .unsupportedProtocolVersion, packetType: .connect, field: "Protocol Level")
        let actions = machine.decodingFailed(error)
        #expect(reasonCode(of: actions) == .unsupportedProtocolVersion)
    }

    // MARK: PUBLISH from the client

    @Test func qos1IsAcknowledgedOnlyAfterTheCommit() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        let publish = MQTTPublishPacket(topicName: "t", payload: ByteBuffer(string: "x"), qos: .atLeastOnce, packetIdentifier: 7)
        let actions = machine.packetReceived(.publish(publish), now: 1_000)
        #expect(actions.names == ["publish"])
        #expect(actions.first?.publication?.body.publisherClientID == "c")
        #expect(actions.first?.publication?.packetID == 7)
        let committed = machine.publishCommitted(packetID: 7, qos: .atLeastOnce, result: .success(()))
        #expect(committed.sentPackets == [.pubAck(MQTTPubAckPacket(packetIdentifier: 7))])
    }

    @Test func qos1RefusedByTheBrokerGetsQuotaExceeded() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", properties: MQTTProperties(requestProblemInformation: false)))
        _ = machine.packetReceived(.publish(MQTTPublishPacket(topicName: "t", payload: ByteBuffer(), qos: .atLeastOnce, packetIdentifier: 7)), now: 0)
        let committed = machine.publishCommitted(packetID: 7, qos: .atLeastOnce, result: .failure(BrokerError(.resourceLimitExceeded, "full")))
        #expect(committed.sentPackets == [.pubAck(MQTTPubAckPacket(packetIdentifier: 7, reasonCode: .quotaExceeded))])
    }

    @Test func qos2IsStoredOnceAndReleasedByPubRel() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", cleanStart: false, properties: MQTTProperties(sessionExpiryInterval: 100)))
        let publish = MQTTPublishPacket(topicName: "t", payload: ByteBuffer(string: "x"), qos: .exactlyOnce, packetIdentifier: 3)
        let first = machine.packetReceived(.publish(publish), now: 0)
        #expect(first.names == ["publish"])
        #expect(first.first?.publication?.storesPacketID == true)
        var duplicate = publish
        duplicate.duplicate = true
        #expect(machine.packetReceived(.publish(duplicate), now: 0).isEmpty)  // still storing
        #expect(machine.publishCommitted(packetID: 3, qos: .exactlyOnce, result: .success(())).sentPackets == [.pubRec(MQTTPubRecPacket(packetIdentifier: 3))])
        // A retransmission after PUBREC is acknowledged without storing it again.
        #expect(machine.packetReceived(.publish(duplicate), now: 0).names == ["send(pubRec)"])
        let released = machine.packetReceived(.pubRel(MQTTPubRelPacket(packetIdentifier: 3)), now: 0)
        #expect(released.names == ["storePacketID(in,false)", "send(pubComp)"])
    }

    @Test func restoredIncomingQoS2IdsAreNotStoredTwice() {
        var machine = MQTTSessionStateMachine(configuration: Self.configuration)
        _ = machine.connectReceived(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c", cleanStart: false), generatedClientID: "x")
        _ = machine.sessionAttached(sessionPresent: true, subscriptions: [], incomingPacketIDs: [5], outgoingPacketIDs: [])
        let publish = MQTTPublishPacket(topicName: "t", payload: ByteBuffer(), qos: .exactlyOnce, duplicate: true, packetIdentifier: 5)
        #expect(machine.packetReceived(.publish(publish), now: 0).names == ["send(pubRec)"])
    }

    @Test func packetIDReusedWhileInFlightDisconnects() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        let publish = MQTTPublishPacket(topicName: "t", payload: ByteBuffer(), qos: .atLeastOnce, packetIdentifier: 1)
        _ = machine.packetReceived(.publish(publish), now: 0)
        #expect(reasonCode(of: machine.packetReceived(.publish(publish), now: 0)) == .packetIdentifierInUse)
    }

    @Test func receiveMaximumIsEnforced() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        for id in 1...2 {
            _ = machine.packetReceived(.publish(MQTTPublishPacket(topicName: "t", payload: ByteBuffer(), qos: .atLeastOnce, packetIdentifier: UInt16(id))), now: 0)
        }
        let third = machine.packetReceived(.publish(MQTTPublishPacket(topicName: "t", payload: ByteBuffer(), qos: .atLeastOnce, packetIdentifier: 3)), now: 0)
        #expect(reasonCode(of: third) == .receiveMaximumExceeded)
    }

    @Test func topicAliasesResolveAndAreRangeChecked() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        let set = machine.packetReceived(.publish(MQTTPublishPacket(topicName: "long/topic", payload: ByteBuffer(), properties: MQTTProperties(topicAlias: 2))), now: 0)
        #expect(set.first?.publication?.topic == "long/topic")
        let used = machine.packetReceived(.publish(MQTTPublishPacket(topicName: "", payload: ByteBuffer(), properties: MQTTProperties(topicAlias: 2))), now: 0)
        #expect(used.first?.publication?.topic == "long/topic")
        let outOfRange = machine.packetReceived(.publish(MQTTPublishPacket(topicName: "x", payload: ByteBuffer(), properties: MQTTProperties(topicAlias: 5))), now: 0)
        #expect(reasonCode(of: outOfRange) == .topicAliasInvalid)
    }

    @Test func subscriptionIdentifierInAClientPublishIsAProtocolError() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        let actions = machine.packetReceived(.publish(MQTTPublishPacket(topicName: "t", payload: ByteBuffer(), properties: MQTTProperties(subscriptionIdentifiers: [3]))), now: 0)
        #expect(reasonCode(of: actions) == .protocolError)
    }

    @Test func messageExpiryBecomesAnAbsoluteExpiration() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        let actions = machine.packetReceived(.publish(MQTTPublishPacket(topicName: "t", payload: ByteBuffer(), properties: MQTTProperties(messageExpiryInterval: 30))), now: 5_000)
        #expect(actions.first?.publication?.expiration == 35_000)
    }

    // MARK: Deliveries to the client

    @Test func theClientsReceiveMaximumLimitsTheWindow() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", properties: MQTTProperties(receiveMaximum: 2)))
        let subscription = self.subscribe(&machine, "a/#", options: MQTTSubscriptionOptions(qos: .atLeastOnce))
        let body = MQTTStoredBody(payload: ByteBuffer(string: "m"), qos: .atLeastOnce)
        let actions = machine.deliveriesArrived(subscriptionID: subscription, [1, 2, 3].map { self.delivery($0, body) }, now: 0)
        let publishes = actions.sentPackets.compactMap { packet -> MQTTPublishPacket? in
            if case .publish(let publish) = packet { return publish }
            return nil
        }
        #expect(publishes.count == 2)
        #expect(publishes.map(\.packetIdentifier) == [1, 2])
        let acked = machine.packetReceived(.pubAck(MQTTPubAckPacket(packetIdentifier: 1)), now: 0)
        #expect(acked.names == ["acknowledge", "grantCredit", "send(publish)"])
    }

    @Test func qosIsTheMinimumAndRedeliveriesCarryDup() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c"))
        let subscription = self.subscribe(&machine, "a/b", options: MQTTSubscriptionOptions(qos: .atLeastOnce))
        let body = MQTTStoredBody(payload: ByteBuffer(string: "m"), qos: .exactlyOnce)
        let actions = machine.deliveriesArrived(subscriptionID: subscription, [self.delivery(1, body, count: 1)], now: 0)
        guard case .publish(let publish)? = actions.sentPackets.first else { Issue.record("no publish"); return }
        #expect(publish.qos == .atLeastOnce)
        #expect(publish.duplicate)
        #expect(!publish.retain)
    }

    @Test func anUnacknowledgedPublishIsSentAgainWithItsPacketIDAfterReconnect() throws {
        var (first, _) = self.connected(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c", cleanStart: false))
        let subscription = self.subscribe(&first, "a/b", options: MQTTSubscriptionOptions(qos: .exactlyOnce))
        let body = MQTTStoredBody(payload: ByteBuffer(string: "m"), qos: .exactlyOnce)
        _ = first.deliveriesArrived(subscriptionID: subscription, [1, 2, 3].map { self.delivery($0, body) }, now: 0)
        _ = first.packetReceived(.pubRec(MQTTPubRecPacket(packetIdentifier: 1)), now: 0)  // 1 is past PUBREC: PUBREL owed
        guard case .endSession(let end)? = first.channelInactive().first else { Issue.record("no end"); return }
        #expect(end.unacknowledged.map(\.packetID) == [2, 3])
        #expect(end.unacknowledged.map(\.message) == [MessageID(2), MessageID(3)])

        var second = MQTTSessionStateMachine(configuration: Self.configuration)
        _ = second.connectReceived(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c", cleanStart: false), generatedClientID: "g")
        let stored = MQTTPersistedSession.Subscription(filter: "a/b", queueName: "mqtt/c/a/b", options: MQTTSubscriptionOptions(qos: .exactlyOnce), subscriptionIdentifier: nil)
        let resumed = second.sessionAttached(sessionPresent: true, subscriptions: [stored], incomingPacketIDs: [], outgoingPacketIDs: [1], unacknowledged: end.unacknowledged)
        guard case .resumeSubscriptions(let restored, _)? = resumed.last else { Issue.record("no resume"); return }
        let resumedID = try #require(restored.first?.id)
        // A new message first: it must not take a kept id. Then the two returning ones, in queue order.
        let actions = second.deliveriesArrived(subscriptionID: resumedID, [self.delivery(9, body), self.delivery(2, body, count: 1), self.delivery(3, body, count: 1)], now: 0)
        let publishes = actions.sentPackets.compactMap { packet -> MQTTPublishPacket? in
            if case .publish(let publish) = packet { return publish }
            return nil
        }
        #expect(publishes.map(\.packetIdentifier) == [4, 2, 3])
        #expect(publishes.map(\.duplicate) == [false, true, true])
    }

    @Test func qos0DeliveriesAreSettledAtOnce() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c"))
        let subscription = self.subscribe(&machine, "a/b", options: MQTTSubscriptionOptions(qos: .atMostOnce))
        let actions = machine.deliveriesArrived(subscriptionID: subscription, [self.delivery(1, MQTTStoredBody(payload: ByteBuffer(), qos: .atLeastOnce))], now: 0)
        #expect(actions.names == ["send(publish)", "acknowledge", "grantCredit"])
    }

    /// By default an MQTT 3.1.1 subscriber, which cannot announce a window, gets the one an MQTT 5
    /// subscriber gets when it announces none (64 made each subscription wait for PUBACKs every 64
    /// messages, a round trip through the queue per 64 deliveries).
    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func defaultOutgoingWindowIsTheSameForBothVersions(version: MQTTProtocolVersion) {
        let defaults = MQTTServerSettings(allowAnonymous: true, users: UserDirectory()).machineConfiguration
        var machine = MQTTSessionStateMachine(configuration: defaults)
        _ = machine.connectReceived(MQTTConnectPacket(protocolVersion: version, clientIdentifier: "c"), generatedClientID: "x")
        _ = machine.sessionAttached(sessionPresent: false, subscriptions: [], incomingPacketIDs: [], outgoingPacketIDs: [])
        let actions = machine.packetReceived(.subscribe(MQTTSubscribePacket(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: "a/b", options: MQTTSubscriptionOptions(qos: .atLeastOnce))])), now: 0)
        guard case .subscribe(_, _, let credit)? = actions.first else {
            Issue.record("no subscribe action: \(actions.names)")
            return
        }
        #expect(credit == 256)
    }

    @Test func noLocalSkipsTheClientsOwnMessages() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "me"))
        let subscription = self.subscribe(&machine, "a/b", options: MQTTSubscriptionOptions(qos: .atLeastOnce, noLocal: true))
        let own = MQTTStoredBody(payload: ByteBuffer(), qos: .atLeastOnce, publisherClientID: "me")
        let other = MQTTStoredBody(payload: ByteBuffer(), qos: .atLeastOnce, publisherClientID: "you")
        let actions = machine.deliveriesArrived(subscriptionID: subscription, [self.delivery(1, own), self.delivery(2, other)], now: 0)
        #expect(actions.names == ["acknowledge", "grantCredit", "send(publish)"])
    }

    @Test func noLocalOnASharedSubscriptionIsAProtocolError() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "me"))
        let actions = machine.packetReceived(.subscribe(MQTTSubscribePacket(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: "$share/g/a", options: MQTTSubscriptionOptions(qos: .atMostOnce, noLocal: true))])), now: 0)
        #expect(reasonCode(of: actions) == .protocolError)
    }

    @Test func retainAsPublishedSubscriptionIdentifiersAndExpiry() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        let subscription = self.subscribe(&machine, "a/+", options: MQTTSubscriptionOptions(qos: .atMostOnce, retainAsPublished: true), identifier: 17)
        let body = MQTTStoredBody(payload: ByteBuffer(), retain: true, contentType: "text/csv")
        let actions = machine.deliveriesArrived(subscriptionID: subscription, [self.delivery(1, body, expiration: 10_500)], now: 1_000)
        guard case .publish(let publish)? = actions.sentPackets.first else { Issue.record("no publish"); return }
        #expect(publish.retain)
        #expect(publish.properties.subscriptionIdentifiers == [17])
        #expect(publish.properties.messageExpiryInterval == 10)
        #expect(publish.properties.contentType == "text/csv")
    }

    @Test func outgoingTopicAliasesAreAssignedOnceThenUsed() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", properties: MQTTProperties(topicAliasMaximum: 1)))
        let subscription = self.subscribe(&machine, "#", options: MQTTSubscriptionOptions(qos: .atMostOnce))
        let body = MQTTStoredBody(payload: ByteBuffer())
        let actions = machine.deliveriesArrived(subscriptionID: subscription, [self.delivery(1, body, topic: "x/y"), self.delivery(2, body, topic: "x/y"), self.delivery(3, body, topic: "z")], now: 0)
        let publishes = actions.sentPackets.compactMap { packet -> MQTTPublishPacket? in
            if case .publish(let publish) = packet { return publish }
            return nil
        }
        #expect(publishes.map(\.topicName) == ["x/y", "", "z"])
        #expect(publishes.map(\.properties.topicAlias) == [1, 1, nil])
    }

    @Test func packetsLargerThanTheClientsMaximumAreDropped() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", properties: MQTTProperties(maximumPacketSize: 64)))
        let subscription = self.subscribe(&machine, "a/b", options: MQTTSubscriptionOptions(qos: .atLeastOnce))
        let big = MQTTStoredBody(payload: ByteBuffer(repeating: 1, count: 100), qos: .atLeastOnce)
        let actions = machine.deliveriesArrived(subscriptionID: subscription, [self.delivery(1, big)], now: 0)
        #expect(actions.names == ["acknowledge", "grantCredit"])
    }

    @Test func outgoingQoS2KeepsPubRelStateUntilPubComp() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c", cleanStart: false))
        let subscription = self.subscribe(&machine, "a/b", options: MQTTSubscriptionOptions(qos: .exactlyOnce))
        _ = machine.deliveriesArrived(subscriptionID: subscription, [self.delivery(1, MQTTStoredBody(payload: ByteBuffer(), qos: .exactlyOnce))], now: 0)
        let rec = machine.packetReceived(.pubRec(MQTTPubRecPacket(packetIdentifier: 1)), now: 0)
        #expect(rec.names == ["storePacketID(out,true)", "acknowledge", "send(pubRel)"])
        let comp = machine.packetReceived(.pubComp(MQTTPubCompPacket(packetIdentifier: 1)), now: 0)
        #expect(comp.names == ["storePacketID(out,false)", "grantCredit"])
    }

    @Test func restoredOutgoingPubRelsAreResent() {
        var machine = MQTTSessionStateMachine(configuration: Self.configuration)
        _ = machine.connectReceived(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c", cleanStart: false), generatedClientID: "x")
        let actions = machine.sessionAttached(sessionPresent: true, subscriptions: [], incomingPacketIDs: [], outgoingPacketIDs: [4])
        #expect(actions.names == ["send(connAck)", "startKeepAlive", "send(pubRel)"])
    }

    // MARK: Subscriptions and the end of a session

    @Test func invalidFiltersGetTheirOwnReasonCode() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        let actions = machine.packetReceived(.subscribe(MQTTSubscribePacket(packetIdentifier: 2, subscriptions: [
            MQTTSubscription(topicFilter: "a/#/b", options: MQTTSubscriptionOptions(qos: .atMostOnce)),
            MQTTSubscription(topicFilter: "a/+", options: MQTTSubscriptionOptions(qos: .atLeastOnce)),
        ])), now: 0)
        guard case .subscribe(_, let requests, _)? = actions.first else { Issue.record("no subscribe"); return }
        #expect(requests.count == 1)
        let done = machine.subscriptionsCreated(packetID: 2, requests, outcomes: [.created(retained: [])], now: 0)
        #expect(done.sentPackets == [.subAck(MQTTSubAckPacket(packetIdentifier: 2, reasonCodes: [.topicFilterInvalid, .grantedQoS1]))])
    }

    @Test func sharedSubscriptionsUseTheGroupQueue() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        let actions = machine.packetReceived(.subscribe(MQTTSubscribePacket(packetIdentifier: 2, subscriptions: [
            MQTTSubscription(topicFilter: "$share/workers/jobs/+", options: MQTTSubscriptionOptions(qos: .atLeastOnce)),
        ])), now: 0)
        guard case .subscribe(_, let requests, _)? = actions.first else { Issue.record("no subscribe"); return }
        #expect(requests[0].subscription.isShared)
        #expect(requests[0].subscription.queueName == "$share/workers/jobs/+")
        #expect(requests[0].subscription.routingFilter == "jobs/+")
    }

    @Test func retainHandlingOneSendsOnlyForNewSubscriptions() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        let retained = MQTTSessionRegistry.RetainedMessage(topic: "a/b", body: MQTTStoredBody(payload: ByteBuffer(string: "r"), retain: true, qos: .atMostOnce), expiration: nil)
        let options = MQTTSubscriptionOptions(qos: .atMostOnce, retainHandling: .sendOnNewSubscribeOnly)
        for expectedRetained in [1, 0] {
            let actions = machine.packetReceived(.subscribe(MQTTSubscribePacket(packetIdentifier: 3, subscriptions: [MQTTSubscription(topicFilter: "a/b", options: options)])), now: 0)
            guard case .subscribe(_, let requests, _)? = actions.first else { Issue.record("no subscribe"); return }
            let done = machine.subscriptionsCreated(packetID: 3, requests, outcomes: [.created(retained: [retained])], now: 0)
            let publishes = done.sentPackets.filter { $0.packetType == .publish }
            #expect(publishes.count == expectedRetained)
            if case .publish(let publish)? = publishes.first { #expect(publish.retain) }
        }
    }

    @Test func normalDisconnectDropsTheWillAbnormalEndKeepsIt() {
        let will = MQTTWill(topicName: "status/c", payload: ByteBuffer(string: "gone"))
        var (normal, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", will: will))
        _ = normal.packetReceived(.disconnect(MQTTDisconnectPacket()), now: 0)
        guard case .endSession(let end)? = normal.channelInactive().first else { Issue.record("no end"); return }
        #expect(end.will == nil)

        var withWill = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", will: will)).0
        _ = withWill.packetReceived(.disconnect(MQTTDisconnectPacket(reasonCode: .disconnectWithWillMessage)), now: 0)
        guard case .endSession(let end2)? = withWill.channelInactive().first else { Issue.record("no end"); return }
        #expect(end2.will == will)

        var (dropped, _) = self.connected(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c", will: will))
        guard case .endSession(let end3)? = dropped.channelInactive().first else { Issue.record("no end"); return }
        #expect(end3.will == will)
    }

    @Test func willDelayIsCappedBySessionExpiry() {
        var will = MQTTWill(topicName: "status/c", payload: ByteBuffer(string: "gone"))
        will.properties.willDelayInterval = 100
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", cleanStart: false, will: will, properties: MQTTProperties(sessionExpiryInterval: 10)))
        guard case .endSession(let end)? = machine.channelInactive().first else { Issue.record("no end"); return }
        #expect(end.willDelay == 10)
    }

    @Test func keepAliveTimeoutDisconnectsWith0x8D() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", keepAliveSeconds: 1))
        #expect(reasonCode(of: machine.keepAliveExpired()) == .keepAliveTimeout)
    }

    @Test func takeoverDisconnectsWith0x8E() {
        var (machine, _) = self.connected(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c"))
        #expect(reasonCode(of: machine.takenOver()) == .sessionTakenOver)
    }

    @Test func brokerErrorsMapToReasonCodes() {
        #expect(MQTTErrorMapping.reasonCode(for: BrokerError(.resourceLimitExceeded, "")) == .quotaExceeded)
        #expect(MQTTErrorMapping.reasonCode(for: BrokerError(.addressNotFound, "")) == .notAuthorized)
        #expect(MQTTErrorMapping.subscribeReasonCode(for: BrokerError(.invalidArgument, "")) == .topicFilterInvalid)
    }

    @Test func aLayoutOneSessionRecordIsStillRead() {
        // version 1, expiry 30, disconnected at 99, one subscription "a" -> "q", QoS 1, no identifier
        let bytes: [UInt8] = [0x01, 0, 0, 0, 30, 0, 0, 0, 0, 0, 0, 0, 99, 0, 1, 0, 1, 0x61, 0, 1, 0x71, 0x01, 0, 0, 0, 0]
        let session = MQTTPersistedSession(clientID: "c", bytes: bytes)
        #expect(session?.subscriptions.map(\.filter) == ["a"])
        #expect(session?.unacknowledged == [])
        #expect(session?.expiryInterval == 30)
    }

    @Test func persistedSessionRoundTrips() {
        let session = MQTTPersistedSession(clientID: "c/1", expiryInterval: 30, disconnectedAt: 99, subscriptions: [
            .init(filter: "a/+", queueName: "mqtt/c/1/a/+", options: MQTTSubscriptionOptions(qos: .exactlyOnce, noLocal: true, retainAsPublished: true, retainHandling: .doNotSend), subscriptionIdentifier: 5),
        ])
        #expect(MQTTPersistedSession(clientID: "c/1", bytes: session.encoded()) == session)
        var withResends = session
        withResends.unacknowledged = [.init(queue: QueueID(7), message: MessageID(0x0102_0304_0506), packetID: 0xBEEF)]
        #expect(MQTTPersistedSession(clientID: "c/1", bytes: withResends.encoded()) == withResends)
        let key = MQTTPersistedSession.packetKey(incoming: true, clientID: "c/1", packetID: 0x1234)
        let parsed = MQTTPersistedSession.parsePacketKey(key)
        #expect(parsed?.incoming == true)
        #expect(parsed?.clientID == "c/1")
        #expect(parsed?.packetID == 0x1234)
    }
}
