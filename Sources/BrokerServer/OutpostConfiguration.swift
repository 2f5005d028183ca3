import BrokerCore
import BrokerStore
import Foundation
import Yams

/// The whole configuration of a node. Every key is optional; a missing key takes the
/// default documented in etc/outpost.yaml and docs/configuration.md. Unknown keys and
/// wrong types are errors that name the key.
public struct OutpostConfiguration: Sendable, Decodable {
    public var dataDirectory: String = "./data"
    public var nodeID: String = ProcessInfo.processInfo.hostName
    public var logLevel: String = "info"
    public var listeners = Listeners()
    public var store = Store()
    public var broker = BrokerSection()
    public var uplinks: [UplinkConfiguration] = []

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dataDirectory = "data-dir"
        case nodeID = "node-id"
        case logLevel = "log-level"
        case listeners, store, broker, uplinks
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.dataDirectory = try container.decodeIfPresent(String.self, forKey: .dataDirectory) ?? self.dataDirectory
        self.nodeID = try container.decodeIfPresent(String.self, forKey: .nodeID) ?? self.nodeID
        self.logLevel = try container.decodeIfPresent(String.self, forKey: .logLevel) ?? self.logLevel
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(self.logLevel) else {
            throw ConfigurationError(key: "log-level", problem: "'\(self.logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        self.listeners = try container.decodeIfPresent(Listeners.self, forKey: .listeners) ?? self.listeners
        self.store = try container.decodeIfPresent(Store.self, forKey: .store) ?? self.store
        self.broker = try container.decodeIfPresent(BrokerSection.self, forKey: .broker) ?? self.broker
        self.uplinks = try container.decodeIfPresent([UplinkConfiguration].self, forKey: .uplinks) ?? []
        var names = Set<String>()
        for (index, uplink) in self.uplinks.enumerated() where !names.insert(uplink.name).inserted {
            throw ConfigurationError(key: "uplinks[\(index)].name", problem: "another uplink is already named '\(uplink.name)'")
        }
    }

    public struct Listeners: Sendable, Decodable {
        public var bind = "127.0.0.1"
        public var amqpPort = 5672
        public var mqttPort = 1883
        public var managementPort = 8161
        /// nil: anonymous clients are allowed on loopback addresses only.
        public var allowAnonymous: Bool?

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case bind
            case amqpPort = "amqp-port"
            case mqttPort = "mqtt-port"
            case managementPort = "management-port"
            case allowAnonymous = "allow-anonymous"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.bind = try container.decodeIfPresent(String.self, forKey: .bind) ?? self.bind
            self.amqpPort = try Self.port(container, .amqpPort) ?? self.amqpPort
            self.mqttPort = try Self.port(container, .mqttPort) ?? self.mqttPort
            self.managementPort = try Self.port(container, .managementPort) ?? self.managementPort
            self.allowAnonymous = try container.decodeIfPresent(Bool.self, forKey: .allowAnonymous)
        }

        private static func port(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int? {
            guard let port = try container.decodeIfPresent(Int.self, forKey: key) else { return nil }
            guard (0...65535).contains(port) else {
                throw ConfigurationError(key: "listeners." + key.stringValue, problem: "\(port) is not a port (0 disables, 1-65535)")
            }
            return port
        }

        /// Anonymous clients are allowed when configured so, or by default on loopback.
        public var anonymousAllowed: Bool {
            self.allowAnonymous ?? ["127.0.0.1", "::1", "localhost"].contains(self.bind)
        }
    }

    public struct Store: Sendable, Decodable {
        public var maxSize = ByteSize(bytes: StoreConfiguration.defaultMaxSize)
        public var syncMode = StoreConfiguration.SyncMode.lmdbDefault
        public var queueWindowMessages = 1000
        public var queueWindowBytes = ByteSize(bytes: 4 << 20)
        public var intakeLimit = ByteSize(bytes: StoreConfiguration.defaultIntakeLimit)

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxSize = "max-size"
            case syncMode = "sync-mode"
            case queueWindowMessages = "queue-window-messages"
            case queueWindowBytes = "queue-window-bytes"
            case intakeLimit = "intake-limit"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.maxSize = try container.decodeIfPresent(ByteSize.self, forKey: .maxSize) ?? self.maxSize
            if let mode = try container.decodeIfPresent(String.self, forKey: .syncMode) {
                guard let parsed = StoreConfiguration.SyncMode(rawValue: mode) else {
                    throw ConfigurationError(key: "store.sync-mode", problem: "'\(mode)' is not lmdb-default or single-explicit-sync")
                }
                self.syncMode = parsed
            }
            self.queueWindowMessages = try container.decodeIfPresent(Int.self, forKey: .queueWindowMessages) ?? self.queueWindowMessages
            guard self.queueWindowMessages >= 2 else {
                throw ConfigurationError(key: "store.queue-window-messages", problem: "must be at least 2")
            }
            self.queueWindowBytes = try container.decodeIfPresent(ByteSize.self, forKey: .queueWindowBytes) ?? self.queueWindowBytes
            self.intakeLimit = try container.decodeIfPresent(ByteSize.self, forKey: .intakeLimit) ?? self.intakeLimit
            guard self.intakeLimit.bytes >= 64 << 10 else {
                throw ConfigurationError(key: "store.intake-limit", problem: "must be at least 64KiB")
            }
            guard self.maxSize.bytes >= 1 << 20 else {
                throw ConfigurationError(key: "store.max-size", problem: "must be at least 1MiB")
            }
        }
    }

    public struct BrokerSection: Sendable, Decodable {
        public var autoCreateAddresses = true
        public var autoCreateQueues = true
        public var expiryScanInterval = ConfigDuration(milliseconds: 1000)
        public var defaultPolicy = Policy()
        public var addresses: [AddressEntry] = []

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case autoCreateAddresses = "auto-create-addresses"
            case autoCreateQueues = "auto-create-queues"
            case expiryScanInterval = "expiry-scan-interval"
            case defaultPolicy = "default-policy"
            case addresses
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.autoCreateAddresses = try container.decodeIfPresent(Bool.self, forKey: .autoCreateAddresses) ?? true
            self.autoCreateQueues = try container.decodeIfPresent(Bool.self, forKey: .autoCreateQueues) ?? true
            self.expiryScanInterval = try container.decodeIfPresent(ConfigDuration.self, forKey: .expiryScanInterval) ?? self.expiryScanInterval
            self.defaultPolicy = try container.decodeIfPresent(Policy.self, forKey: .defaultPolicy) ?? self.defaultPolicy
            self.addresses = try container.decodeIfPresent([AddressEntry].self, forKey: .addresses) ?? []
        }
    }

    /// An address policy; in `addresses` entries, keys not given inherit from `default-policy`.
    public struct Policy: Sendable, Decodable {
        public var maxMessages: Int?
        public var maxBytes: ByteSize?
        public var fullPolicy: AddressPolicy.FullPolicy?
        public var defaultPriority: UInt8?
        public var defaultTTL: ConfigDuration?
        public var maxDeliveryAttempts: Int?
        public var deadLetterAddress: String?
        public var expiryAddress: String?

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxMessages = "max-messages"
            case maxBytes = "max-bytes"
            case fullPolicy = "full-policy"
            case defaultPriority = "default-priority"
            case defaultTTL = "default-ttl"
            case maxDeliveryAttempts = "max-delivery-attempts"
            case deadLetterAddress = "dead-letter-address"
            case expiryAddress = "expiry-address"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            try self.init(decoding: decoder.container(keyedBy: CodingKeys.self), path: decoder.codingPath)
        }

        init(decoding container: KeyedDecodingContainer<CodingKeys>, path: [any CodingKey]) throws {
            let prefix = dottedPath(path)
            func key(_ key: CodingKeys) -> String { prefix.isEmpty ? key.stringValue : prefix + "." + key.stringValue }
            self.maxMessages = try container.decodeIfPresent(Int.self, forKey: .maxMessages)
            self.maxBytes = try container.decodeIfPresent(ByteSize.self, forKey: .maxBytes)
            if let text = try container.decodeIfPresent(String.self, forKey: .fullPolicy) {
                guard let policy = AddressPolicy.FullPolicy(rawValue: text) else {
                    throw ConfigurationError(key: key(.fullPolicy), problem: "'\(text)' is not block, fail or drop-oldest")
                }
                self.fullPolicy = policy
            }
            self.defaultPriority = try container.decodeIfPresent(UInt8.self, forKey: .defaultPriority)
            if let priority = self.defaultPriority, priority > 9 {
                throw ConfigurationError(key: key(.defaultPriority), problem: "\(priority) is not a priority 0-9")
            }
            self.defaultTTL = try container.decodeIfPresent(ConfigDuration.self, forKey: .defaultTTL)
            self.maxDeliveryAttempts = try container.decodeIfPresent(Int.self, forKey: .maxDeliveryAttempts)
            if let attempts = self.maxDeliveryAttempts, attempts < 1 {
                throw ConfigurationError(key: key(.maxDeliveryAttempts), problem: "must be at least 1")
            }
            self.deadLetterAddress = try container.decodeIfPresent(String.self, forKey: .deadLetterAddress)
            self.expiryAddress = try container.decodeIfPresent(String.self, forKey: .expiryAddress)
        }

        /// This policy with unset keys taken from `base`. An empty address name disables DLQ/expiry routing.
        func resolved(over base: AddressPolicy) -> AddressPolicy {
            AddressPolicy(
                maxMessages: self.maxMessages ?? base.maxMessages,
                maxBytes: self.maxBytes?.bytes ?? base.maxBytes,
                fullPolicy: self.fullPolicy ?? base.fullPolicy,
                defaultPriority: self.defaultPriority ?? base.defaultPriority,
                defaultTimeToLive: self.defaultTTL?.milliseconds ?? base.defaultTimeToLive,
                maxDeliveryAttempts: self.maxDeliveryAttempts ?? base.maxDeliveryAttempts,
                deadLetterAddress: (self.deadLetterAddress ?? base.deadLetterAddress).flatMap { $0.isEmpty ? nil : $0 },
                expiryAddress: (self.expiryAddress ?? base.expiryAddress).flatMap { $0.isEmpty ? nil : $0 }
            )
        }
    }

    /// A policy for the addresses matching `pattern` (MQTT wildcard syntax).
    public struct AddressEntry: Sendable, Decodable {
        public var pattern: String
        public var policy: Policy

        enum CodingKeys: String, CodingKey, CaseIterable {
            case pattern
        }

        public init(from decoder: any Decoder) throws {
            let allowed = Set(["pattern"] + Policy.CodingKeys.allCases.map(\.stringValue))
            let any = try decoder.container(keyedBy: AnyCodingKey.self)
            for key in any.allKeys where !allowed.contains(key.stringValue) {
                throw ConfigurationError(key: dottedPath(decoder.codingPath + [key]), problem: "unknown key (known keys here: \(allowed.sorted().joined(separator: ", ")))")
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.pattern = try container.decode(String.self, forKey: .pattern)
            guard TopicFilter(self.pattern).isValid else {
                throw ConfigurationError(key: dottedPath(decoder.codingPath) + ".pattern", problem: "'\(self.pattern)' is not a valid address pattern")
            }
            self.policy = try Policy(decoding: decoder.container(keyedBy: Policy.CodingKeys.self), path: decoder.codingPath)
        }
    }

    // MARK: Loading

    /// Parses YAML text. Errors name the key (or the line for YAML syntax errors).
    public static func parse(yaml: String) throws -> OutpostConfiguration {
        if yaml.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return OutpostConfiguration() }
        do {
            return try YAMLDecoder().decode(OutpostConfiguration.self, from: yaml)
        } catch let error as ConfigurationError {
            throw error
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw ConfigurationError(key: "", problem: "invalid YAML: \(error)")
        }
    }

    public static func load(path: String) throws -> OutpostConfiguration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(key: "", problem: "cannot read the configuration file \(path)")
        }
        return try self.parse(yaml: text)
    }

    private static func describe(_ error: DecodingError) -> ConfigurationError {
        switch error {
        case .typeMismatch(let type, let context):
            return ConfigurationError(key: dottedPath(context.codingPath), problem: "expected \(Self.name(of: type))")
        case .valueNotFound(let type, let context):
            return ConfigurationError(key: dottedPath(context.codingPath), problem: "expected \(Self.name(of: type)), found nothing")
        case .keyNotFound(let key, let context):
            return ConfigurationError(key: dottedPath(context.codingPath + [key]), problem: "required key is missing")
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError as? ConfigurationError { return underlying }
            if let underlying = context.underlyingError as? DecodingError { return Self.describe(underlying) }
            return ConfigurationError(key: dottedPath(context.codingPath), problem: context.debugDescription)
        @unknown default:
            return ConfigurationError(key: "", problem: "\(error)")
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is Bool.Type: "true or false"
        case is Int.Type, is UInt8.Type, is Int64.Type: "an integer"
        case is String.Type: "a string"
        default: "a \(type)"
        }
    }

    // MARK: Derived settings

    /// The users file: `<data-dir>/users.yaml`.
    public var usersFilePath: String { self.dataDirectory + "/users.yaml" }

    public var storeConfiguration: StoreConfiguration {
        StoreConfiguration(
            directory: self.dataDirectory,
            maxSize: self.store.maxSize.bytes,
            syncMode: self.store.syncMode,
            intakeLimit: self.store.intakeLimit.bytes
        )
    }

    public var brokerConfiguration: BrokerConfiguration {
        let defaultPolicy = self.broker.defaultPolicy.resolved(over: AddressPolicy())
        return BrokerConfiguration(
            autoCreateAddresses: self.broker.autoCreateAddresses,
            autoCreateQueues: self.broker.autoCreateQueues,
            defaultPolicy: defaultPolicy,
            addressPolicies: self.broker.addresses.map { ($0.pattern, $0.policy.resolved(over: defaultPolicy)) },
            queueWindowMessages: self.store.queueWindowMessages,
            queueWindowBytes: self.store.queueWindowBytes.bytes
        )
    }
}
