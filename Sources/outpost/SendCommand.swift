import ArgumentParser
import BrokerManagement
import Foundation

/// `outpost send ADDRESS [BODY]`: publishes through the management API (tests, smoke checks).
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a message to an address of a running daemon (body from the argument or standard input)."
    )

    @OptionGroup var options: ManagementOptions
    @Argument(help: "Address.") var address: String
    @Argument(help: "Message body (default: standard input).") var body: String?
    @Option(name: .long, help: "Priority 0-9 (default: the address policy's).") var priority: Int?
    @Option(name: .long, help: "Time to live, e.g. 30s or 10m.") var ttl: String?
    @Option(name: .long, help: "Send it this many times.") var count = 1
    @Flag(name: .long, help: "Not durable (may be kept in memory only).") var nonDurable = false
    @Flag(name: .long, help: "Create the address as multicast (a topic) if it does not exist.") var multicast = false

    func validate() throws {
        if let priority = self.priority, !(0...9).contains(priority) { throw ValidationError("--priority must be 0-9") }
        if let ttl = self.ttl, ManagementAPI.parseDuration(ttl) == nil { throw ValidationError("--ttl must be a duration like 30s") }
        guard (1...100_000).contains(self.count) else { throw ValidationError("--count must be 1-100000") }
    }

    func run() async throws {
        try await runOperation {
            let text = self.body ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            let ttl = self.ttl.flatMap(ManagementAPI.parseDuration).map { $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 }
            let request = SendRequest(
                body: text,
                priority: self.priority,
                durable: !self.nonDurable,
                ttl: ttl,
                count: self.count,
                routingType: self.multicast ? "multicast" : "anycast"
            )
            let result = try await self.options.client().call(
                .POST, "/api/v1/addresses/" + ManagementClient.segment(self.address) + "/messages", body: request, as: CountResult.self
            )
            if self.options.json { return try printJSON(result) }
            print("sent \(result.count) message\(result.count == 1 ? "" : "s") to \(self.address)")
        }
    }
}
