import ArgumentParser
import BrokerManagement
import BrokerStore
import Foundation

/// `outpost data export|import`: a backlog straight from and to a data directory, with
/// the daemon stopped (the store refuses a directory another process holds).
struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Export or import a backlog straight from/to a data directory (the daemon must be stopped).",
        subcommands: [Export.self, Import.self]
    )

    /// Opens the store, turning "in use" into what to do about it.
    static func openStore(_ directory: String, mustExist: Bool) throws -> MessageStore {
        if mustExist, !FileManager.default.fileExists(atPath: directory + "/data.mdb") {
            throw CLIError.failed("no outpost store in \(directory) (no data.mdb); pass --data-dir of the node")
        }
        do {
            return try MessageStore(configuration: StoreConfiguration(directory: directory))
        } catch let error as StoreError where error.kind == .locked {
            throw CLIError.failed(
                "\(error.detail). Stop the daemon first (e.g. `systemctl stop outpost`), or, to take messages out of a running node, use `outpost drain QUEUE --to FILE`."
            )
        } catch {
            throw CLIError.failed("cannot open the store in \(directory): \(error)")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the messages of a stopped node to a file (JSON lines with the stored bytes); the store is not changed."
        )
        @Option(name: .long, help: "Data directory (default: $OUTPOST_DATA_DIR, else ./data).") var dataDir: String?
        @Option(name: .long, help: "Only this queue (repeat for several; default: every queue).") var queue: [String] = []
        @Option(name: .long, help: "Output file (\"-\" for standard output).") var to: String

        func run() async throws {
            try await runOperation {
                let directory = resolvedDataDirectory(self.dataDir)
                let store = try DataCommand.openStore(directory, mustExist: true)
                defer { store.close() }
                if self.to != "-", FileManager.default.fileExists(atPath: self.to) {
                    throw CLIError.failed("\(self.to) exists; choose a new file (an export is never appended to)")
                }
                let file: DurableFile
                do { file = try DurableFile(appendingTo: self.to) } catch { throw CLIError.failed("\(error)") }
                let total = store.queues.values.filter { self.queue.isEmpty || self.queue.contains($0.name) }.reduce(0) { $0 + Int($1.messageCount) }
                let progress = ProgressBar(label: "exporting", total: total)
                let counts: BacklogArchive.Counts
                do {
                    counts = try BacklogArchive.export(
                        store: store,
                        queueNames: self.queue.isEmpty ? nil : self.queue,
                        to: file,
                        now: Int64(Date().timeIntervalSince1970 * 1000),
                        progress: { progress.update($0) }
                    )
                } catch let error as BacklogArchiveError {
                    throw CLIError.failed(error.description)
                }
                progress.finish(counts.messages)
                FileHandle.standardError.write(
                    Data("exported \(counts.messages) messages (\(formatBytes(counts.bytes))) of \(counts.queues) queues from \(directory) to \(self.to)\n".utf8)
                )
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a file made by `data export` into a stopped node: queues are created (or reused) and messages appended in order."
        )
        @Argument(help: "File made by `outpost data export`.") var file: String
        @Option(name: .long, help: "Data directory (default: $OUTPOST_DATA_DIR, else ./data).") var dataDir: String?

        func run() async throws {
            try await runOperation {
                let directory = resolvedDataDirectory(self.dataDir)
                let lines = try FileLines(path: self.file)
                let store = try DataCommand.openStore(directory, mustExist: false)
                defer { store.close() }
                let progress = ProgressBar(label: "importing", total: nil)
                let counts: BacklogArchive.Counts
                do {
                    counts = try await BacklogArchive.importArchive(lines: lines, into: store) { progress.update($0) }
                } catch let error as BacklogArchiveError {
                    throw CLIError.failed("\(self.file): \(error.description)")
                }
                progress.finish(counts.messages)
                FileHandle.standardError.write(
                    Data("imported \(counts.messages) messages (\(formatBytes(counts.bytes))) into \(counts.queues) queues in \(directory)\n".utf8)
                )
            }
        }
    }
}
