import ArgumentParser
import BrokerManagement
import Foundation

/// `outpost queue list|stat|browse|purge|create|delete|move`: queues of a running daemon.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Inspect and manage the queues of a running daemon (management API).",
        subcommands: [List.self, Stat.self, Browse.self, Purge.self, Create.self, Delete.self, Move.self]
    )

    static func path(_ name: String, _ suffix: String = "") -> String {
        "/api/v1/queues/" + ManagementClient.segment(name) + suffix
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the queues with their depth, size, oldest message age and rates.")
        @OptionGroup var options: ManagementOptions

        func run() async throws {
            try await runOperation {
                let list = try await self.options.client().call(.GET, "/api/v1/queues", as: QueueList.self)
                if self.options.json { return try printJSON(list) }
                guard !list.queues.isEmpty else { return print("no queues") }
                printTable(
                    ["NAME", "ADDRESS", "TYPE", "DURABLE", "MESSAGES", "BYTES", "OLDEST", "CONSUMERS", "IN/s", "OUT/s"],
                    list.queues.map { queue in
                        [
                            queue.name, queue.address, queue.routingType, queue.durable ? "yes" : "no", "\(queue.messages)",
                            formatBytes(queue.bytes), formatAge(queue.oldestMessageAgeSeconds), "\(queue.consumers)",
                            formatRate(queue.enqueueRate), formatRate(queue.ackRate),
                        ]
                    }
                )
            }
        }
    }

    struct Stat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one queue in detail.")
        @OptionGroup var options: ManagementOptions
        @Argument(help: "Queue name.") var name: String

        func run() async throws {
            try await runOperation {
                let queue = try await self.options.client().call(.GET, QueueCommand.path(self.name), as: QueueView.self)
                if self.options.json { return try printJSON(queue) }
                let rows: [(String, String)] = [
                    ("name", queue.name),
                    ("address", queue.address),
                    ("routing type", queue.routingType),
                    ("durable", queue.durable ? "yes" : "no"),
                    ("filter", queue.filter),
                    ("messages", "\(queue.messages)"),
                    ("bytes", "\(queue.bytes) (\(formatBytes(queue.bytes)))"),
                    ("in flight", "\(queue.inFlight)"),
                    ("consumers", "\(queue.consumers)"),
                    ("oldest message", formatAge(queue.oldestMessageAgeSeconds)),
                    ("enqueued total", "\(queue.enqueuedTotal)"),
                    ("delivered total", "\(queue.deliveredTotal)"),
                    ("acknowledged total", "\(queue.acknowledgedTotal)"),
                    ("enqueue rate", formatRate(queue.enqueueRate) + "/s"),
                    ("deliver rate", formatRate(queue.deliverRate) + "/s"),
                    ("ack rate", formatRate(queue.ackRate) + "/s"),
                ]
                for (key, value) in rows { print((key + ":").padding(toLength: 20, withPad: " ", startingAt: 0) + value) }
            }
        }
    }

    struct Browse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show messages without consuming them, in delivery order.")
        @OptionGroup var options: ManagementOptions
        @Argument(help: "Queue name.") var name: String
        @Option(name: .long, help: "How many messages (1-5000).") var limit = 20
        @Option(name: .long, help: "Start after this message key (the 'next' a previous page printed).") var from: String?

        func validate() throws {
            guard (1...5000).contains(self.limit) else { throw ValidationError("--limit must be 1-5000") }
        }

        func run() async throws {
            try await runOperation {
                var query = [("limit", "\(self.limit)")]
                if let from = self.from { query.append(("from", from)) }
                let page = try await self.options.client().call(.GET, QueueCommand.path(self.name, "/messages"), query: query, as: MessagePage.self)
                if self.options.json { return try printJSON(page) }
                guard !page.messages.isEmpty else { return print("no messages") }
                printTable(
                    ["ID", "PRIORITY", "CREATED", "EXPIRES", "DELIVERIES", "ORIGIN", "BODY"],
                    page.messages.map { message in
                        var body = message.bodyBase64 ? "base64:" + message.body : message.body
                        body = body.replacingOccurrences(of: "\n", with: "\\n")
                        if body.count > 60 { body = String(body.prefix(57)) + "..." }
                        return [
                            "\(message.id)", "\(message.priority)", formatTime(message.creationTime), formatTime(message.expiration),
                            "\(message.deliveryCount)", message.origin, body,
                        ]
                    }
                )
                if let next = page.next { print("more: --from \(next)") }
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every ready message of a queue (deliveries in flight stay).")
        @OptionGroup var options: ManagementOptions
        @Argument(help: "Queue name.") var name: String

        func run() async throws {
            try await runOperation {
                let result = try await self.options.client().call(.POST, QueueCommand.path(self.name, "/purge"), as: CountResult.self)
                if self.options.json { return try printJSON(result) }
                print("purged \(result.count) messages from \(self.name)")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a queue (anycast on its own address unless told otherwise).")
        @OptionGroup var options: ManagementOptions
        @Argument(help: "Queue name.") var name: String
        @Option(name: .long, help: "Address the queue is bound to (default: the queue name).") var address: String?
        @Flag(name: .long, help: "A multicast (topic subscription) queue instead of anycast.") var multicast = false
        @Flag(inversion: .prefixedNo, help: "Keep the queue and its messages across restarts.") var durable = true
        @Option(name: .long, help: "For multicast queues: an MQTT-style filter (e.g. sensors/#) instead of the address.") var filter: String?

        func run() async throws {
            try await runOperation {
                let request = CreateQueueRequest(
                    name: self.name,
                    address: self.address,
                    routingType: self.multicast ? "multicast" : "anycast",
                    durable: self.durable,
                    filter: self.filter
                )
                let queue = try await self.options.client().call(.POST, "/api/v1/queues", body: request, as: QueueView.self)
                if self.options.json { return try printJSON(queue) }
                print("queue \(queue.name) on \(queue.address) (\(queue.routingType)\(queue.durable ? ", durable" : ""))")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a queue with its messages.")
        @OptionGroup var options: ManagementOptions
        @Argument(help: "Queue name.") var name: String

        func run() async throws {
            try await runOperation {
                let reply = try await self.options.client().call(.DELETE, QueueCommand.path(self.name), as: [String: String].self)
                if self.options.json { return try printJSON(reply) }
                print("deleted queue \(self.name)")
            }
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move ready messages to another address (new ids; body, priority, expiry kept).")
        @OptionGroup var options: ManagementOptions
        @Argument(help: "Queue name.") var name: String
        @Option(name: .customLong("to"), help: "Target address.") var toAddress: String
        @Option(name: .long, help: "At most this many messages (default: all ready ones).") var max: Int?

        func run() async throws {
            try await runOperation {
                let result = try await self.options.client().call(
                    .POST, QueueCommand.path(self.name, "/move"), body: MoveRequest(toAddress: self.toAddress, max: self.max), as: CountResult.self
                )
                if self.options.json { return try printJSON(result) }
                print("moved \(result.count) messages from \(self.name) to \(self.toAddress)")
            }
        }
    }
}
