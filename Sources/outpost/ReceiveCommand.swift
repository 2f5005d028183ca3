import AMQPCodec
import AMQPEngine
import ArgumentParser
import Foundation
import NIOCore

/// `outpost receive ADDRESS`: takes messages over AMQP 1.0, prints each body (or a JSON line)
/// and accepts it after printing, so an interrupted run loses nothing.
struct ReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive",
        abstract: "Receive messages from an address over AMQP 1.0, print them and accept each after printing."
    )

    @Option(name: .long, help: "amqp://[USER:PASSWORD@]HOST:PORT (default amqp://127.0.0.1:5672).") var url = "amqp://127.0.0.1:5672"
    @Option(name: .long, help: "SASL PLAIN username (default: from the URL, else ANONYMOUS).") var username: String?
    @Option(name: .long, help: "SASL PLAIN password.") var password: String?
    @Argument(help: "Address (queue) to receive from.") var address: String
    @Option(name: .long, help: "Stop after this many messages (0 = until interrupted or --timeout).") var count = 0
    @Option(name: .long, help: "Give up after this many seconds (0 = wait forever); exits 1 if fewer than --count arrived.") var timeout: Double = 0
    @Option(name: .long, help: "Messages requested ahead (link credit).") var credit = 100
    @Flag(name: .long, help: "Print one JSON object per message (body, priority, durable, properties).") var json = false

    func validate() throws {
        guard self.count >= 0 else { throw ValidationError("--count must be 0 or more") }
        guard (1...10_000).contains(self.credit) else { throw ValidationError("--credit must be 1-10000") }
        guard self.timeout >= 0 else { throw ValidationError("--timeout must be 0 or more") }
    }

    func run() async throws {
        try await runOperation {
            let endpoint = try AMQPEndpoint(self.url, username: self.username, password: self.password)
            let client = try await endpoint.connect()
            let initial = self.count > 0 ? min(self.credit, self.count) : self.credit
            var granted = initial
            let (handle, events) = try await client.receive(address: self.address, credit: UInt32(initial))
            let milliseconds = Int64(self.timeout * 1000)
            let timer: Task<Void, Never>? = milliseconds > 0
                ? Task {
                    try? await Task.sleep(for: .milliseconds(milliseconds))
                    if !Task.isCancelled { await client.close() }
                }
                : nil
            var received = 0
            var failure: String?
            loop: for await event in events {
                switch event {
                case .message(let deliveryID, let message):
                    self.print(message)
                    client.accept(deliveryID: deliveryID)
                    received += 1
                    if self.count > 0 && received >= self.count { break loop }
                    if self.count == 0 || granted < self.count {
                        client.addCredit(handle: handle, 1)
                        granted += 1
                    }
                case .closed(let reason):
                    if reason != "connection closed" { failure = reason }
                    break loop
                }
            }
            timer?.cancel()
            await client.close()
            if let failure { throw CLIError.failed(failure) }
            if self.count > 0 && received < self.count {
                throw CLIError.failed("received \(received) of \(self.count) messages before the timeout")
            }
        }
    }

    private func print(_ message: ByteBuffer) {
        guard let parsed = try? AMQPEncodedMessage(parsing: message) else {
            Swift.print(String(decoding: message.readableBytesView, as: UTF8.self))
            return
        }
        let body = Self.text(of: try? parsed.decodeBody())
        guard self.json else {
            Swift.print(body)
            fflush(nil)
            return
        }
        var record: [String: Any] = [
            "body": body,
            "priority": Int(parsed.header?.priority ?? AMQPHeader.defaultPriority),
            "durable": parsed.header?.durable ?? false,
        ]
        if let id = parsed.properties?.messageID { record["messageID"] = Self.text(of: id) }
        if let subject = parsed.properties?.subject { record["subject"] = subject }
        if let contentType = parsed.properties?.contentType { record["contentType"] = contentType }
        if let properties = try? parsed.decodeApplicationProperties(), properties.count > 0 {
            var map: [String: String] = [:]
            for entry in properties.entries { map[Self.text(of: entry.key)] = Self.text(of: entry.value) }
            record["properties"] = map
        }
        if let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]) {
            Swift.print(String(decoding: data, as: UTF8.self))
            fflush(nil)
        }
    }

    static func text(of body: AMQPMessageBody?) -> String {
        switch body {
        case .data(let sections)?:
            var bytes = ByteBuffer()
            for section in sections { bytes.writeImmutableBuffer(section) }
            return String(decoding: bytes.readableBytesView, as: UTF8.self)
        case .value(let value)?:
            return self.text(of: value)
        case .sequence(let sections)?:
            return sections.flatMap { $0 }.map { self.text(of: $0) }.joined(separator: ",")
        case nil:
            return ""
        }
    }

    static func text(of value: AMQPValue) -> String {
        switch value {
        case .string(let text), .symbol(let text): return text
        case .binary(let bytes): return String(decoding: bytes.readableBytesView, as: UTF8.self)
        case .ulong(let number): return String(number)
        case .uint(let number): return String(number)
        case .long(let number): return String(number)
        case .int(let number): return String(number)
        case .boolean(let flag): return String(flag)
        default: return "\(value)"
        }
    }
}
