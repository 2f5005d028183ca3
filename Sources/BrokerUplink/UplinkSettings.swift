/// One configured uplink: where to, what to forward, how fast.
public struct UplinkSettings: Sendable, Equatable {
    public enum Scheme: String, Sendable {
        case amqp
        case mqtt
    }

    public var name: String
    public var scheme: Scheme
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    /// Local address patterns (MQTT wildcard syntax) whose messages are forwarded.
    public var forward: [String]
    /// Remote address template: `{address}` is the local address, `{node-id}` this node.
    public var remoteAddress: String
    /// Transfers in flight at once.
    public var window: Int
    /// Messages taken from the forwarding queue per batch.
    public var batchMaxMessages: Int
    /// Bytes per second; 0 = unlimited.
    public var bandwidthLimit: Int
    public var reconnectInitialDelay: Duration
    public var reconnectMaxDelay: Duration
    /// Cloud-to-edge rules: remote source → local address.
    public var receive: [(from: String, to: String)]
    public var nodeID: String

    public init(
        name: String,
        url: String,
        username: String? = nil,
        password: String? = nil,
        forward: [String],
        remoteAddress: String = "{address}",
        window: Int = 1000,
        batchMaxMessages: Int = 500,
        bandwidthLimit: Int = 0,
        reconnectInitialDelay: Duration = .seconds(1),
        reconnectMaxDelay: Duration = .seconds(60),
        receive: [(from: String, to: String)] = [],
        nodeID: String
    ) throws {
        guard let parsed = UplinkURL(url) else {
            throw UplinkError("uplink '\(name)': '\(url)' is not amqp://HOST:PORT or mqtt://HOST:PORT")
        }
        self.name = name
        self.scheme = parsed.scheme
        self.host = parsed.host
        self.port = parsed.port
        self.username = username
        self.password = password
        self.forward = forward
        self.remoteAddress = remoteAddress
        self.window = max(1, window)
        self.batchMaxMessages = max(1, batchMaxMessages)
        self.bandwidthLimit = max(0, bandwidthLimit)
        self.reconnectInitialDelay = reconnectInitialDelay
        self.reconnectMaxDelay = reconnectMaxDelay
        self.receive = receive
        self.nodeID = nodeID
    }

    /// The durable queue that collects what this uplink forwards.
    public var forwardingQueueName: String { "$uplink.\(self.name)" }
    /// Where messages the remote rejected go, with its reason.
    public var deadLetterQueueName: String { "$uplink.\(self.name).dlq" }

    /// The remote address for a local one. (The uplink parses the template once, see
    /// `RemoteAddressTemplate`; this convenience parses it on every call.)
    public func remoteAddress(for localAddress: String) -> String {
        self.remoteAddressTemplate.render(localAddress: localAddress)
    }

    var remoteAddressTemplate: RemoteAddressTemplate {
        RemoteAddressTemplate(self.remoteAddress, nodeID: self.nodeID)
    }

    public static func == (lhs: UplinkSettings, rhs: UplinkSettings) -> Bool {
        lhs.name == rhs.name && lhs.scheme == rhs.scheme && lhs.host == rhs.host && lhs.port == rhs.port
            && lhs.forward == rhs.forward && lhs.remoteAddress == rhs.remoteAddress && lhs.window == rhs.window
    }
}

/// `amqp://host:port` or `mqtt://host:port` (default ports 5672 and 1883).
struct UplinkURL {
    var scheme: UplinkSettings.Scheme
    var host: String
    var port: Int

    init?(_ text: String) {
        guard let separator = text.range(of: "://"), let scheme = UplinkSettings.Scheme(rawValue: String(text[..<separator.lowerBound])) else {
            return nil
        }
        var rest = text[separator.upperBound...]
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard !rest.isEmpty else { return nil }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            self.host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.isEmpty {
                self.port = scheme == .amqp ? 5672 : 1883
            } else {
                guard after.hasPrefix(":"), let port = Int(after.dropFirst()), (1...65535).contains(port) else { return nil }
                self.port = port
            }
        } else if let colon = rest.lastIndex(of: ":") {
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else { return nil }
            self.host = String(rest[..<colon])
            self.port = port
        } else {
            self.host = String(rest)
            self.port = scheme == .amqp ? 5672 : 1883
        }
        guard !self.host.isEmpty else { return nil }
        self.scheme = scheme
    }
}

/// A problem with an uplink's configuration or state, naming the uplink.
public struct UplinkError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

import Foundation
