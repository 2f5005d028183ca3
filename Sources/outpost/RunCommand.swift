import ArgumentParser
import BrokerServer
import BrokerStore
import Foundation
import Logging
import ServiceLifecycle

/// `outpost run`: the daemon, with embedded defaults when no configuration is given.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the broker daemon (embedded defaults; no configuration file needed)."
    )

    @Option(name: .long, help: "YAML configuration file (default: $OUTPOST_CONFIG, else embedded defaults).")
    var config: String?

    @Option(name: .long, help: "Data directory (default: $OUTPOST_DATA_DIR, else the configuration's data-dir, else ./data).")
    var dataDir: String?

    @Option(name: .long, help: "Address the listeners bind to (default 127.0.0.1).")
    var bind: String?

    @Option(name: .long, help: "AMQP 1.0 port (default 5672; 0 disables).")
    var amqpPort: Int?

    @Option(name: .long, help: "MQTT port (default 1883; 0 disables).")
    var mqttPort: Int?

    @Option(name: .long, help: "Management HTTP port (default 8161; 0 disables).")
    var managementPort: Int?

    @Option(name: .long, help: "Forward to this cloud peer (amqp://HOST:PORT or mqtt://HOST:PORT), as an uplink named 'default'.")
    var uplink: String?

    @Option(name: .long, help: "Local address pattern the --uplink forwards (repeatable; MQTT wildcards).")
    var forward: [String] = []

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    func run() async throws {
        GlibcMalloc.tuneForDaemon()
        let environment = ProcessInfo.processInfo.environment
        var configuration: OutpostConfiguration
        do {
            if let path = self.config ?? environment["OUTPOST_CONFIG"] {
                configuration = try OutpostConfiguration.load(path: path)
            } else {
                configuration = OutpostConfiguration()
            }
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("outpost: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if let dataDir = self.dataDir ?? environment["OUTPOST_DATA_DIR"] { configuration.dataDirectory = dataDir }
        if let bind = self.bind { configuration.listeners.bind = bind }
        if let port = self.amqpPort { configuration.listeners.amqpPort = port }
        if let port = self.mqttPort { configuration.listeners.mqttPort = port }
        if let port = self.managementPort { configuration.listeners.managementPort = port }
        if let level = self.logLevel { configuration.logLevel = level }
        if let url = self.uplink {
            guard !self.forward.isEmpty else {
                FileHandle.standardError.write(Data("outpost: --uplink needs at least one --forward PATTERN\n".utf8))
                throw ExitCode(2)
            }
            configuration.uplinks.append(UplinkConfiguration(name: "default", url: url, forward: self.forward))
        }

        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "outpost")

        let server: OutpostServer
        do {
            server = try OutpostServer(configuration: configuration, logger: logger)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("outpost: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as ListenerError {
            FileHandle.standardError.write(Data("outpost: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("outpost: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
