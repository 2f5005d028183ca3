import BrokerStore
import MQTTCodec
import NIOCore
import Testing

@testable import BrokerUplink

/// Scripts of the MQTT uplink client: receive rules subscribe once connected, and an arrival
/// is acknowledged only after the uplink says it is stored.
@Suite struct MQTTUplinkClientStateMachineTests {
    func connectedMachine(rules: [(filter: String, localAddress: String)]) -> MQTTUplinkClientStateMachine {
        var machine = MQTTUplinkClientStateMachine(clientID: "edge", username: nil, password: nil, keepAliveSeconds: 30, receiveRules: rules)
        _ = machine.channelActive(now: 0)
        #expect(machine.packetReceived(.connAck(MQTTConnAckPacket()), now: 0) == .connected)
        return machine
    }

    @Test func withoutReceiveRulesNothingIsSubscribed() {
        var machine = self.connectedMachine(rules: [])
        #expect(machine.subscribeReceiveRules() == .none)
    }

    @Test func receiveRulesSubscribeAtQoS1AndArrivalsAreAcknowledgedOnlyOnceStored() throws {
        var machine = self.connectedMachine(rules: [("edge-17/commands/#", "commands"), ("edge-17/config", "config")])
        guard case .write(.subscribe(let subscribe)) = machine.subscribeReceiveRules() else {
            Issue.record("expected a SUBSCRIBE")
            return
        }
        #expect(subscribe.subscriptions.map(\.topicFilter) == ["edge-17/commands/#", "edge-17/config"])
        #expect(subscribe.subscriptions.allSatisfy { $0.options.qos == .atLeastOnce })
        let subAck = MQTTSubAckPacket(packetIdentifier: subscribe.packetIdentifier, reasonCodes: [.grantedQoS1, .grantedQoS1])
        #expect(machine.packetReceived(.subAck(subAck), now: 1) == .none)

        let publish = MQTTPublishPacket(topicName: "edge-17/commands/reboot", payload: ByteBuffer(string: "now"), qos: .atLeastOnce, packetIdentifier: 7)
        #expect(machine.packetReceived(.publish(publish), now: 2) == .deliverInbound(publish, localAddress: "commands"))
        // The peer resends before we stored it (DUP): stored once.
        var again = publish
        again.duplicate = true
        #expect(machine.packetReceived(.publish(again), now: 3) == .none)
        #expect(machine.inboundPending == [7])
        #expect(machine.inboundStored(packetIdentifier: 7) == .write(.pubAck(MQTTPubAckPacket(packetIdentifier: 7))))
        #expect(machine.inboundStored(packetIdentifier: 7) == .none)

        let config = MQTTPublishPacket(topicName: "edge-17/config", payload: ByteBuffer(string: "{}"), qos: .atMostOnce)
        #expect(machine.packetReceived(.publish(config), now: 4) == .deliverInbound(config, localAddress: "config"))
    }

    @Test func aRefusedSubscriptionIsReportedWithoutClosing() {
        var machine = self.connectedMachine(rules: [("a", "x"), ("b", "y")])
        guard case .write(.subscribe(let subscribe)) = machine.subscribeReceiveRules() else {
            Issue.record("expected a SUBSCRIBE")
            return
        }
        let subAck = MQTTSubAckPacket(packetIdentifier: subscribe.packetIdentifier, reasonCodes: [.grantedQoS1, .unspecifiedError])
        #expect(machine.packetReceived(.subAck(subAck), now: 1) == .reportProblem("the MQTT peer refused the subscription to b"))
        #expect(machine.state == .connected)
    }

    @Test func aPublishNoRuleMatchesIsAcknowledgedButNotDelivered() {
        var machine = self.connectedMachine(rules: [("a/+", "x")])
        let stray = MQTTPublishPacket(topicName: "b/c", payload: ByteBuffer(), qos: .atLeastOnce, packetIdentifier: 3)
        #expect(machine.packetReceived(.publish(stray), now: 1) == .write(.pubAck(MQTTPubAckPacket(packetIdentifier: 3))))
    }

    @Test func qos2OnAQoS1SubscriptionClosesTheConnection() {
        var machine = self.connectedMachine(rules: [("a", "x")])
        let publish = MQTTPublishPacket(topicName: "a", payload: ByteBuffer(), qos: .exactlyOnce, packetIdentifier: 3)
        #expect(machine.packetReceived(.publish(publish), now: 1) == .close("the MQTT peer sent QoS 2 on a QoS 1 subscription"))
    }

    @Test func subscribeAndPublishIdentifiersNeverCollide() {
        var machine = self.connectedMachine(rules: [("a", "x")])
        guard case .write(.subscribe(let subscribe)) = machine.subscribeReceiveRules() else {
            Issue.record("expected a SUBSCRIBE")
            return
        }
        let key = EntryKey(queue: QueueID(1), priority: 4, message: MessageID(1))
        guard case .write(.publish(let publish)) = machine.publishRequested(key, topic: "up", payload: ByteBuffer()) else {
            Issue.record("expected a PUBLISH")
            return
        }
        #expect(publish.packetIdentifier != subscribe.packetIdentifier)
    }
}
