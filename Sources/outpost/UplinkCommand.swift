import ArgumentParser
import BrokerManagement
import Foundation

/// `outpost uplink status|flush|pause|resume`: the store-and-forward links to cloud peers.
struct UplinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplink",
        abstract: "Show and steer the uplinks of a running daemon.",
        subcommands: [Status.self, Flush.self, Pause.self, Resume.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Connection state, backlog, oldest message age and rate of each uplink.")
        @OptionGroup var options: ManagementOptions
        @Argument(help: "Only this uplink.") var name: String?

        func run() async throws {
            try await runOperation {
                let client = try self.options.client()
                var uplinks: [UplinkStatus]
                if let name = self.name {
                    uplinks = [try await client.call(.GET, "/api/v1/uplinks/" + ManagementClient.segment(name), as: UplinkStatus.self)]
                } else {
                    uplinks = try await client.call(.GET, "/api/v1/uplinks", as: UplinkList.self).uplinks
                }
                if self.options.json { return try printJSON(UplinkList(uplinks: uplinks)) }
                guard !uplinks.isEmpty else { return print("no uplinks configured") }
                printTable(
                    ["NAME", "URL", "STATE", "BACKLOG", "BYTES", "OLDEST", "RATE/s", "ETA", "SENT", "RECEIVED", "LAST ERROR"],
                    uplinks.map { uplink in
                        [
                            uplink.name, uplink.url, uplink.state, "\(uplink.backlogMessages)", formatBytes(uplink.backlogBytes),
                            formatAge(uplink.oldestMessageAgeSeconds), formatRate(uplink.sendRate),
                            formatAge(uplink.estimatedDrainSeconds), "\(uplink.sentTotal)", "\(uplink.receivedTotal)",
                            uplink.lastError ?? uplink.lastReceiveError ?? "-",
                        ]
                    }
                )
            }
        }
    }

    /// flush, pause and resume share one shape: one uplink by name, or all.
    static func act(_ action: String, _ name: String?, _ options: ManagementOptions) async throws {
        try await runOperation {
            let path = "/api/v1/uplinks/" + (name.map { ManagementClient.segment($0) + "/" } ?? "") + action
            let result = try await options.client().call(.POST, path, as: UplinkActionResult.self)
            if options.json { return try printJSON(result) }
            guard !result.uplinks.isEmpty else { return print("no uplinks configured") }
            print("\(action): \(result.uplinks.joined(separator: ", "))")
        }
    }

    struct Flush: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reconnect now (skip the backoff wait) and send the backlog.")
        @OptionGroup var options: ManagementOptions
        @Argument(help: "Only this uplink (default: all).") var name: String?
        func run() async throws { try await UplinkCommand.act("flush", self.name, self.options) }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop sending; the backlog keeps growing on disk until resume.")
        @OptionGroup var options: ManagementOptions
        @Argument(help: "Only this uplink (default: all).") var name: String?
        func run() async throws { try await UplinkCommand.act("pause", self.name, self.options) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send again after a pause.")
        @OptionGroup var options: ManagementOptions
        @Argument(help: "Only this uplink (default: all).") var name: String?
        func run() async throws { try await UplinkCommand.act("resume", self.name, self.options) }
    }
}
