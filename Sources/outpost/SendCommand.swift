import AMQPCodec
import AMQPEngine
import ArgumentParser
import BrokerManagement
import Foundation
import NIOCore
import NIOPosix

/// `outpost send ADDRESS [BODY]`: sends over AMQP 1.0 (`--url amqp://HOST:PORT`, the default
/// amqp://127.0.0.1:5672) and waits for the broker's outcome of each message; with an
/// http(s):// `--url` it publishes through the management API instead.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send messages to an address over AMQP 1.0 (or the management API with an http:// --url).",
        discussion: """
            The body comes from the argument, --body, --size (that many bytes) or standard input. \
            "{index}" in the body is replaced by the message's index (0-based) when sending --count messages.
            """
    )

    @Option(name: .long, help: "amqp://[USER:PASSWORD@]HOST:PORT (default amqp://127.0.0.1:5672), or the management API's http:// URL.")
    var url: String?
    @Option(name: .long, help: "Management token (http:// URLs only).") var token: String?
    @Option(name: .long, help: "Data directory of the daemon, to read its management token (http:// URLs only).") var dataDir: String?
    @Option(name: .long, help: "SASL PLAIN username (AMQP; default: from the URL, else ANONYMOUS).") var username: String?
    @Option(name: .long, help: "SASL PLAIN password (AMQP).") var password: String?
    @Flag(name: .long, help: "Print JSON for scripts.") var json = false
    @Argument(help: "Address.") var address: String
    @Argument(help: "Message body (default: --body, --size or standard input).") var bodyArgument: String?
    @Option(name: .long, help: "Message body.") var body: String?
    @Option(name: .long, help: "A body of this many bytes.") var size: Int?
    @Option(name: .long, help: "Priority 0-9 (default: the address policy's).") var priority: Int?
    @Option(name: .long, help: "Time to live, e.g. 30s or 10m.") var ttl: String?
    @Option(name: .long, help: "Send it this many times.") var count = 1
    @Flag(name: .long, help: "Durable (the default).") var durable = false
    @Flag(name: .long, help: "Not durable (may be kept in memory only).") var nonDurable = false
    @Flag(name: .long, help: "Create the address as multicast (a topic) if it does not exist (http:// only).") var multicast = false

    func validate() throws {
        if let priority = self.priority, !(0...9).contains(priority) { throw ValidationError("--priority must be 0-9") }
        if let ttl = self.ttl, ManagementAPI.parseDuration(ttl) == nil { throw ValidationError("--ttl must be a duration like 30s") }
        guard (1...100_000).contains(self.count) else { throw ValidationError("--count must be 1-100000") }
        if let size = self.size, !(0...(64 << 20)).contains(size) { throw ValidationError("--size must be 0-67108864") }
        if self.durable && self.nonDurable { throw ValidationError("--durable and --non-durable exclude each other") }
    }

    func run() async throws {
        try await runOperation {
            let url = self.url ?? "amqp://127.0.0.1:5672"
            let text: String
            if let body = self.bodyArgument ?? self.body {
                text = body
            } else if let size = self.size {
                text = String(repeating: "x", count: size)
            } else {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            }
            let ttl = self.ttl.flatMap(ManagementAPI.parseDuration).map { $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 }
            if url.hasPrefix("http://") || url.hasPrefix("https://") {
                try await self.sendOverHTTP(url: url, text: text, ttl: ttl)
            } else {
                try await self.sendOverAMQP(url: url, text: text, ttl: ttl)
            }
        }
    }

    private func sendOverAMQP(url: String, text: String, ttl: Int64?) async throws {
        let endpoint = try AMQPEndpoint(url, username: self.username, password: self.password)
        let client = try await endpoint.connect()
        let header = AMQPHeader(
            durable: !self.nonDurable,
            priority: self.priority.map { UInt8($0) } ?? AMQPHeader.defaultPriority,
            ttl: ttl.map { UInt32(clamping: $0) }
        )
        let indexed = self.count > 1 && text.contains("{index}")
        var messages: [ByteBuffer] = []
        messages.reserveCapacity(self.count)
        for index in 0..<self.count {
            let body = indexed ? text.replacingOccurrences(of: "{index}", with: String(index)) : text
            let bareMessage = AMQPBareMessage(properties: AMQPProperties(to: self.address), body: .value(.string(body)))
            var bare = ByteBuffer()
            bareMessage.encode(into: &bare)
            var buffer = ByteBuffer()
            try AMQPEncodedMessage(header: header, bareMessage: bare).encode(into: &buffer)
            messages.append(buffer)
        }
        let states: [AMQPDeliveryState]
        do {
            states = try await client.send(address: self.address, messages: messages)
        } catch {
            await client.close()
            throw CLIError.failed("\(error)")
        }
        await client.close()
        let accepted = states.filter { $0 == .accepted }.count
        if self.json {
            try printJSON(AMQPSendResult(count: accepted, refused: states.count - accepted))
        } else {
            print("sent \(accepted) message\(accepted == 1 ? "" : "s") to \(self.address)")
        }
        if let refused = states.first(where: { $0 != .accepted }) {
            throw CLIError.failed("\(states.count - accepted) message(s) not accepted by the broker, e.g. \(refused)")
        }
    }

    private func sendOverHTTP(url: String, text: String, ttl: Int64?) async throws {
        var options = try ManagementOptions.parse([])
        options.url = url
        options.token = self.token
        options.dataDir = self.dataDir
        let request = SendRequest(
            body: text,
            priority: self.priority,
            durable: !self.nonDurable,
            ttl: ttl,
            count: self.count,
            routingType: self.multicast ? "multicast" : "anycast"
        )
        let result = try await options.client().call(
            .POST, "/api/v1/addresses/" + ManagementClient.segment(self.address) + "/messages", body: request, as: CountResult.self
        )
        if self.json { return try printJSON(result) }
        print("sent \(result.count) message\(result.count == 1 ? "" : "s") to \(self.address)")
    }
}

struct AMQPSendResult: Encodable {
    var count: Int
    var refused: Int
}

/// `amqp://[USER:PASSWORD@]HOST[:PORT]` for the AMQP tools.
struct AMQPEndpoint {
    var host: String
    var port: Int
    var username: String?
    var password: String?

    init(_ url: String, username: String?, password: String?) throws {
        guard url.hasPrefix("amqp://") else { throw CLIError.usage("--url must be amqp://HOST:PORT (or http:// for the management API)") }
        var rest = Substring(url.dropFirst("amqp://".count))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var user: String?
        var secret: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = String(credentials[..<colon]).removingPercentEncoding
                secret = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding
            } else {
                user = String(credentials).removingPercentEncoding
            }
        }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            self.host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            self.port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? -1 : 5672
        } else if let colon = rest.lastIndex(of: ":") {
            self.host = String(rest[..<colon])
            self.port = Int(rest[rest.index(after: colon)...]) ?? -1
        } else {
            self.host = String(rest)
            self.port = 5672
        }
        guard !self.host.isEmpty, (1...65535).contains(self.port) else { throw CLIError.usage("--url '\(url)' is not amqp://HOST:PORT") }
        self.username = username ?? user
        self.password = password ?? secret
    }

    func connect() async throws -> AMQPClient {
        let configuration = AMQPClientConnectionStateMachine.Configuration(
            containerID: "outpost-cli-\(ProcessInfo.processInfo.processIdentifier)",
            hostname: self.host,
            username: self.username,
            password: self.password
        )
        do {
            return try await AMQPClient.connect(host: self.host, port: self.port, configuration: configuration, group: MultiThreadedEventLoopGroup.singleton)
        } catch {
            throw CLIError.failed("cannot connect to amqp://\(self.host):\(self.port): \(error)")
        }
    }
}
