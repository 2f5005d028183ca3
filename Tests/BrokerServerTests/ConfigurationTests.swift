import BrokerCore
import BrokerServer
import BrokerStore
import Foundation
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test func emptyConfigurationGivesTheEmbeddedDefaults() throws {
        let configuration = try OutpostConfiguration.parse(yaml: "")
        #expect(configuration.dataDirectory == "./data")
        #expect(configuration.listeners.bind == "127.0.0.1")
        #expect(configuration.listeners.amqpPort == 5672)
        #expect(configuration.listeners.mqttPort == 1883)
        #expect(configuration.listeners.managementPort == 8161)
        #expect(configuration.listeners.anonymousAllowed)
        #expect(configuration.store.maxSize.bytes == StoreConfiguration.defaultMaxSize)
        #expect(configuration.brokerConfiguration.defaultPolicy == AddressPolicy())
    }

    @Test func theShippedExampleFileParsesToTheDefaults() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../etc/outpost.yaml").path
        let configuration = try OutpostConfiguration.load(path: path)
        let defaults = OutpostConfiguration()
        #expect(configuration.listeners.amqpPort == defaults.listeners.amqpPort)
        #expect(configuration.store.maxSize == defaults.store.maxSize)
        #expect(configuration.store.queueWindowMessages == defaults.store.queueWindowMessages)
        #expect(configuration.brokerConfiguration.defaultPolicy == defaults.brokerConfiguration.defaultPolicy)
        #expect(configuration.broker.expiryScanInterval == defaults.broker.expiryScanInterval)
    }

    @Test func valuesWithUnitsAndPolicies() throws {
        let configuration = try OutpostConfiguration.parse(yaml: """
            data-dir: /var/lib/outpost
            listeners:
              bind: 0.0.0.0
              amqp-port: 0
            store:
              max-size: 2GiB
              queue-window-bytes: 512KiB
              intake-limit: 16MiB
            broker:
              auto-create-queues: false
              default-policy:
                max-delivery-attempts: 3
                dead-letter-address: ""
              addresses:
                - pattern: "telemetry/#"
                  max-messages: 100000
                  full-policy: drop-oldest
                  default-ttl: 1h
            """)
        #expect(configuration.dataDirectory == "/var/lib/outpost")
        #expect(configuration.listeners.amqpPort == 0)
        #expect(!configuration.listeners.anonymousAllowed)
        #expect(configuration.store.maxSize.bytes == 2 << 30)
        #expect(configuration.store.queueWindowBytes.bytes == 512 << 10)
        #expect(configuration.storeConfiguration.intakeLimit == 16 << 20)
        let broker = configuration.brokerConfiguration
        #expect(!broker.autoCreateQueues)
        #expect(broker.defaultPolicy.maxDeliveryAttempts == 3)
        #expect(broker.defaultPolicy.deadLetterAddress == nil)
        let telemetry = broker.policy(for: "telemetry/plant-1/temp")
        #expect(telemetry.maxMessages == 100_000)
        #expect(telemetry.fullPolicy == .dropOldest)
        #expect(telemetry.defaultTimeToLive == 3_600_000)
        #expect(telemetry.maxDeliveryAttempts == 3)
        #expect(broker.policy(for: "alarms").maxMessages == nil)
    }

    @Test(arguments: [
        ("listner:\n  bind: x\n", "listner"),
        ("store:\n  max-sise: 1GiB\n", "store.max-sise"),
        ("broker:\n  addresses:\n    - pattern: a\n      max-mesages: 1\n", "broker.addresses[0].max-mesages"),
        ("listeners:\n  amqp-port: many\n", "listeners.amqp-port"),
        ("listeners:\n  amqp-port: 70000\n", "listeners.amqp-port"),
        ("store:\n  max-size: lots\n", "store.max-size"),
        ("store:\n  intake-limit: 1KiB\n", "store.intake-limit"),
        ("broker:\n  default-policy:\n    full-policy: sometimes\n", "broker.default-policy.full-policy"),
        ("broker:\n  default-policy:\n    default-priority: 12\n", "broker.default-policy.default-priority"),
        ("broker:\n  auto-create-queues: maybe\n", "broker.auto-create-queues"),
        ("log-level: loud\n", "log-level"),
        ("broker:\n  addresses:\n    - max-messages: 1\n", "broker.addresses[0].pattern"),
    ])
    func badConfigurationNamesTheKey(yaml: String, key: String) {
        do {
            _ = try OutpostConfiguration.parse(yaml: yaml)
            Issue.record("expected an error naming \(key)")
        } catch let error as ConfigurationError {
            #expect(error.key == key, "\(error)")
            #expect(error.description.contains(key))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func sizesAndDurationsParse() {
        #expect(ByteSize(parsing: "64MiB")?.bytes == 64 << 20)
        #expect(ByteSize(parsing: "1000")?.bytes == 1000)
        #expect(ByteSize(parsing: "1 GB")?.bytes == 1_000_000_000)
        #expect(ByteSize(parsing: "-1") == nil)
        #expect(ByteSize(parsing: "99999999999TiB") == nil)
        #expect(ConfigDuration(parsing: "250ms")?.milliseconds == 250)
        #expect(ConfigDuration(parsing: "5m")?.milliseconds == 300_000)
        #expect(ConfigDuration(parsing: "soon") == nil)
    }
}

@Suite("Uplink configuration")
struct UplinkConfigurationTests {
    @Test func uplinksParseWithDefaults() throws {
        let configuration = try OutpostConfiguration.parse(yaml: """
            node-id: edge-17
            uplinks:
              - name: cloud
                url: mqtt://cloud.example.com:1884
                forward: ["telemetry/#", "alarms"]
                remote-address: "edge/{node-id}/{address}"
                bandwidth-limit: 64KiB
                reconnect-max-delay: 5m
            """)
        let uplink = try #require(configuration.uplinks.first)
        #expect(uplink.name == "cloud")
        #expect(uplink.forward == ["telemetry/#", "alarms"])
        #expect(uplink.window == 1000)
        #expect(uplink.bandwidthLimit.bytes == 64 << 10)
        #expect(uplink.reconnectMaxDelay.milliseconds == 300_000)
    }

    @Test func receiveRulesParse() throws {
        let configuration = try OutpostConfiguration.parse(
            yaml: "uplinks:\n  - name: a\n    url: mqtt://h\n    forward: [\"t/#\"]\n    receive:\n      - from: edge/cmd\n        to: commands\n"
        )
        let rule = try #require(configuration.uplinks.first?.receive.first)
        #expect(rule.from == "edge/cmd")
        #expect(rule.to == "commands")
    }

    @Test(arguments: [
        ("uplinks:\n  - name: a\n    url: mqtt://h\n    forwad: [x]\n", "uplinks[0].forwad"),
        ("uplinks:\n  - name: a\n    url: mqtt://h\n", "uplinks[0].forward"),
        ("uplinks:\n  - name: a\n    url: mqtt://h\n    forward: []\n", "uplinks[0].forward"),
        ("uplinks:\n  - name: a b\n    url: mqtt://h\n    forward: [x]\n", "uplinks[0].name"),
        ("uplinks:\n  - name: a\n    url: mqtt://h\n    forward: [x]\n    window: 0\n", "uplinks[0].window"),
        ("uplinks:\n  - name: a\n    url: mqtt://h\n    forward: [x]\n  - name: a\n    url: mqtt://h\n    forward: [y]\n", "uplinks[1].name"),
        // What a receive rule stores must not be forwarded straight back.
        ("uplinks:\n  - name: a\n    url: mqtt://h\n    forward: [\"x/#\"]\n    receive:\n      - from: c\n        to: x/cmd\n", "uplinks[0].receive[0].to"),
        ("uplinks:\n  - name: a\n    url: mqtt://h\n    forward: [x]\n    receive:\n      - from: c\n        to: \"cmd/#\"\n", "uplinks[0].receive[0].to"),
        ("uplinks:\n  - name: a\n    url: mqtt://h\n    forward: [x]\n    receive:\n      - from: \"\"\n        to: d\n", "uplinks[0].receive[0].from"),
        ("uplinks:\n  - name: a\n    url: mqtt://h\n    forward: [x]\n    receive:\n      - from: c\n", "uplinks[0].receive[0].to"),
    ])
    func badUplinkConfigurationNamesTheKey(yaml: String, key: String) {
        do {
            _ = try OutpostConfiguration.parse(yaml: yaml)
            Issue.record("expected an error naming \(key)")
        } catch let error as ConfigurationError {
            #expect(error.key == key, "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
