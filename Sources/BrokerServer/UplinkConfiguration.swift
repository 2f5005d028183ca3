import BrokerCore
import BrokerUplink
import Foundation

/// One entry of `uplinks:` in the configuration (see docs/configuration.md).
public struct UplinkConfiguration: Sendable, Decodable {
    public var name: String
    public var url: String
    public var username: String?
    public var passwordFile: String?
    public var forward: [String]
    public var remoteAddress = "{address}"
    public var window = 1000
    public var batchMaxMessages = 500
    public var bandwidthLimit = ByteSize(bytes: 0)
    public var reconnectInitialDelay = ConfigDuration(milliseconds: 1000)
    public var reconnectMaxDelay = ConfigDuration(milliseconds: 60_000)
    public var receive: [ReceiveRule] = []

    public struct ReceiveRule: Sendable, Decodable {
        public var from: String
        public var to: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case from, to
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.from = try container.decode(String.self, forKey: .from)
            self.to = try container.decode(String.self, forKey: .to)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, url, username, forward, window, receive
        case passwordFile = "password-file"
        case remoteAddress = "remote-address"
        case batchMaxMessages = "batch-max-messages"
        case bandwidthLimit = "bandwidth-limit"
        case reconnectInitialDelay = "reconnect-initial-delay"
        case reconnectMaxDelay = "reconnect-max-delay"
    }

    /// The quick form of `outpost run --uplink URL --forward PATTERN`.
    public init(name: String, url: String, forward: [String]) {
        self.name = name
        self.url = url
        self.forward = forward
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = dottedPath(decoder.codingPath)
        self.name = try container.decode(String.self, forKey: .name)
        guard !self.name.isEmpty, self.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ConfigurationError(key: path + ".name", problem: "'\(self.name)' must be letters, digits, '-' or '_'")
        }
        self.url = try container.decode(String.self, forKey: .url)
        self.username = try container.decodeIfPresent(String.self, forKey: .username)
        self.passwordFile = try container.decodeIfPresent(String.self, forKey: .passwordFile)
        self.forward = try container.decode([String].self, forKey: .forward)
        guard !self.forward.isEmpty else {
            throw ConfigurationError(key: path + ".forward", problem: "list at least one local address pattern")
        }
        self.remoteAddress = try container.decodeIfPresent(String.self, forKey: .remoteAddress) ?? self.remoteAddress
        self.window = try container.decodeIfPresent(Int.self, forKey: .window) ?? self.window
        guard (1...65_000).contains(self.window) else {
            throw ConfigurationError(key: path + ".window", problem: "must be between 1 and 65000")
        }
        self.batchMaxMessages = try container.decodeIfPresent(Int.self, forKey: .batchMaxMessages) ?? self.batchMaxMessages
        self.bandwidthLimit = try container.decodeIfPresent(ByteSize.self, forKey: .bandwidthLimit) ?? self.bandwidthLimit
        self.reconnectInitialDelay = try container.decodeIfPresent(ConfigDuration.self, forKey: .reconnectInitialDelay) ?? self.reconnectInitialDelay
        self.reconnectMaxDelay = try container.decodeIfPresent(ConfigDuration.self, forKey: .reconnectMaxDelay) ?? self.reconnectMaxDelay
        self.receive = try container.decodeIfPresent([ReceiveRule].self, forKey: .receive) ?? []
        for (index, rule) in self.receive.enumerated() {
            let key = path + ".receive[\(index)]"
            guard !rule.from.isEmpty else { throw ConfigurationError(key: key + ".from", problem: "must name the peer's source address or topic") }
            guard !rule.to.isEmpty, !TopicFilter(rule.to).hasWildcards else {
                throw ConfigurationError(key: key + ".to", problem: "'\(rule.to)' must be a local address without wildcards")
            }
            // What arrives from the cloud would go straight back up: refuse the loop.
            if let pattern = self.forward.first(where: { TopicFilter($0).matches(rule.to) }) {
                throw ConfigurationError(key: key + ".to", problem: "'\(rule.to)' is also forwarded by '\(pattern)': messages would loop back to the peer")
            }
        }
    }

    /// The uplink's settings, reading the password file. Errors name the uplink's keys.
    func settings(nodeID: String, index: Int) throws -> UplinkSettings {
        var password: String?
        if let file = self.passwordFile {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(key: "uplinks[\(index)].password-file", problem: "cannot read \(file)")
            }
            password = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        do {
            return try UplinkSettings(
                name: self.name,
                url: self.url,
                username: self.username,
                password: password,
                forward: self.forward,
                remoteAddress: self.remoteAddress,
                window: self.window,
                batchMaxMessages: self.batchMaxMessages,
                bandwidthLimit: self.bandwidthLimit.bytes,
                reconnectInitialDelay: .milliseconds(self.reconnectInitialDelay.milliseconds),
                reconnectMaxDelay: .milliseconds(self.reconnectMaxDelay.milliseconds),
                receive: self.receive.map { ($0.from, $0.to) },
                nodeID: nodeID
            )
        } catch let error as UplinkError {
            throw ConfigurationError(key: "uplinks[\(index)].url", problem: error.description)
        }
    }
}
