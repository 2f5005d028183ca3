import ArgumentParser

@main
struct Outpost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpost",
        abstract: "Outpost: a store-and-forward message broker for edge nodes.",
        discussion: "Run the daemon with `outpost run`; the other subcommands operate a running or stopped node.",
        version: "0.1.0",
        subcommands: [RunCommand.self, UserCommand.self, QueueCommand.self, DrainCommand.self, DataCommand.self, UplinkCommand.self, SendCommand.self, ReceiveCommand.self]
    )
}
