import ArgumentParser
import BrokerManagement
import Dispatch
import Foundation

/// `outpost drain QUEUE --to FILE`: moves messages out of a running node into a file.
///
/// Never loses nor duplicates: each batch is leased (stays in the queue, in flight),
/// written and fsynced, and only then acknowledged. Killed before the ack, the lease
/// expires and the batch goes back to the queue. Killed in the instant between the
/// fsync and the ack, the batch is in the file *and* back in the queue; running the same
/// drain to the same file again skips ids already in the file (and acknowledges them),
/// so a resumed drain ends with every message exactly once.
struct DrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Move messages from a queue of a running daemon into a file (JSON lines or raw), removing them from the node.",
        discussion: """
            Each message is removed only after it is safely in the file (written and fsynced). Interrupted \
            (Ctrl-C, full disk, kill -9), what is in the file is gone from the queue and the rest stays. \
            Run the same command again to continue: ids already in the file are not written twice.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl
        case raw
    }

    @OptionGroup var options: ManagementOptions
    @Argument(help: "Queue name.") var queue: String
    @Option(name: .long, help: "Output file, appended to (default: standard output).") var to: String?
    @Option(name: .long, help: "Drain at most this many messages (default: until the queue is empty).") var max: Int?
    @Option(name: .long, help: "jsonl: one JSON object per message; raw: each stored message as a 4-byte big-endian length then its bytes.")
    var format: Format = .jsonl
    @Option(name: .long, help: "Messages per batch (1-5000).") var batch = 500
    @Option(name: .long, help: "How long the node keeps a batch for us before giving it back (e.g. 30s).") var lease = "30s"

    func validate() throws {
        if let max = self.max, max < 1 { throw ValidationError("--max must be at least 1") }
        guard (1...5000).contains(self.batch) else { throw ValidationError("--batch must be 1-5000") }
        guard ManagementAPI.parseDuration(self.lease) != nil else { throw ValidationError("--lease must be a duration like 30s") }
    }

    func run() async throws {
        try await runOperation { try await self.drain() }
    }

    private func drain() async throws {
        let client = try self.options.client()
        let path = self.to ?? "-"
        let file: DurableFile
        do {
            file = try DurableFile(appendingTo: path)
        } catch {
            throw CLIError.failed("\(error)")
        }
        // Resuming into the same file: what is already there is not written again.
        var alreadyInFile = Set<UInt64>()
        if self.format == .jsonl, !file.isStandardOutput, file.size > 0 {
            alreadyInFile = try Self.ids(inFile: path)
        }
        let interrupted = InterruptFlag()
        interrupted.install()
        defer { interrupted.uninstall() }

        let progress = ProgressBar(label: "draining \(self.queue)", total: self.max)
        var drained = 0
        var skipped = 0
        var leaseID: String?
        var remaining = 0
        let queuePath = QueueCommand.path(self.queue)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]

        func endLease() async {
            if let id = leaseID {
                _ = try? await client.send(.DELETE, "/api/v1/leases/" + ManagementClient.segment(id))
            }
        }

        while !interrupted.isSet {
            let want = Swift.min(self.batch, (self.max ?? Int.max) - drained - skipped)
            if want <= 0 { break }
            var query = [("max", "\(want)"), ("lease", self.lease), ("wait", "1s")]
            if let leaseID { query.append(("lease_id", leaseID)) }
            if self.format == .raw { query.append(("raw", "1")) }
            let received = try await client.call(.POST, queuePath + "/receive", query: query, as: ReceiveResult.self)
            leaseID = received.lease
            remaining = received.remaining
            if drained + skipped == 0, self.max == nil { progress.setTotal(received.remaining) }
            if received.messages.isEmpty { break }

            // Write and sync the batch; only then acknowledge.
            let before = file.size
            var bytes: [UInt8] = []
            var written: [(key: String, range: Range<Int>)] = []
            for message in received.messages {
                guard let key = message.key else { continue }
                if alreadyInFile.contains(message.id) {
                    written.append((key, bytes.count..<bytes.count))
                    continue
                }
                let start = bytes.count
                try Self.encode(message, queue: self.queue, format: self.format, encoder: encoder, into: &bytes)
                written.append((key, start..<bytes.count))
            }
            do {
                try file.write(bytes)
                try file.sync()
            } catch {
                // Nothing of this batch is acknowledged: cut it off and give it back.
                try? file.truncate(to: before)
                await endLease()
                progress.finish(drained)
                throw CLIError.failed(
                    "\(error). Drained \(drained) messages before this; the rest stays in \(self.queue). Nothing was lost."
                )
            }

            let settle = SettleRequest(lease: received.lease, keys: written.map(\.key))
            let acknowledged: SettleResult
            do {
                acknowledged = try await client.call(.POST, queuePath + "/ack", body: settle, as: SettleResult.self)
            } catch let error as CLIError where error.status == 409 {
                // The lease ended before the ack: the node has them all back. Remove the batch.
                try? file.truncate(to: before)
                leaseID = nil
                FileHandle.standardError.write(Data("outpost: a batch was returned to the queue before it was acknowledged (lease expired); retrying\n".utf8))
                continue
            } catch {
                progress.finish(drained)
                throw CLIError.failed(
                    "\(error). The last batch (\(written.count) messages) is in \(path) but may also still be in \(self.queue); "
                        + "run the same drain again to the same file to finish without duplicates."
                )
            }
            if !acknowledged.unknown.isEmpty {
                // Some went back to the queue before the ack: keep only the acknowledged lines.
                let kept = Set(acknowledged.settled)
                var rewritten: [UInt8] = []
                for entry in written where kept.contains(entry.key) { rewritten += bytes[entry.range] }
                try file.truncate(to: before)
                try file.write(rewritten)
                try file.sync()
            }
            for message in received.messages where alreadyInFile.contains(message.id) { skipped += 1 }
            drained += acknowledged.settled.count - received.messages.filter { alreadyInFile.contains($0.id) }.count
            progress.update(drained)
        }
        await endLease()
        progress.finish(drained)
        let left = try? await client.call(.GET, queuePath, as: QueueView.self)
        var summary = "drained \(drained) messages from \(self.queue) to \(path == "-" ? "standard output" : path)"
        if skipped > 0 { summary += " (\(skipped) already in the file, removed from the queue)" }
        summary += "; \(left?.messages ?? Swift.max(0, remaining - drained)) left"
        if interrupted.isSet { summary += " (interrupted)" }
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        if interrupted.isSet { throw ExitCode(130) }
    }

    static func encode(_ message: MessageView, queue: String, format: Format, encoder: JSONEncoder, into bytes: inout [UInt8]) throws {
        switch format {
        case .jsonl:
            var line = message
            line.key = nil
            line.raw = nil
            bytes += try encoder.encode(BacklogArchive.ArchivedMessage(queue: queue, message: line))
            bytes.append(UInt8(ascii: "\n"))
        case .raw:
            guard let raw = message.raw, let data = Data(base64Encoded: raw) else {
                throw CLIError.failed("the node did not send the stored bytes of message \(message.id)")
            }
            let length = UInt32(data.count)
            bytes += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
            bytes += data
        }
    }

    /// The message ids of a JSON lines file (a drain being resumed).
    static func ids(inFile path: String) throws -> Set<UInt64> {
        struct IDOnly: Decodable { var id: UInt64 }
        var ids = Set<UInt64>()
        let decoder = JSONDecoder()
        for line in try FileLines(path: path) where !line.isEmpty {
            if let entry = try? decoder.decode(IDOnly.self, from: Data(line.utf8)) { ids.insert(entry.id) }
        }
        return ids
    }
}

/// SIGINT/SIGTERM ask the drain to stop after the batch in hand (which is then complete).
final class InterruptFlag: @unchecked Sendable {
    // @unchecked: `value` is only accessed with `lock` held.
    private let lock = NSLock()
    private var value = false
    private var sources: [any DispatchSourceSignal] = []

    var isSet: Bool { self.lock.withLock { self.value } }

    func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let second = self.lock.withLock {
                    defer { self.value = true }
                    return self.value
                }
                // A second Ctrl-C stops at once; the lease gives the batch back.
                if second { Foundation.exit(130) }
            }
            source.resume()
            self.sources.append(source)
        }
    }

    func uninstall() {
        for source in self.sources { source.cancel() }
        self.sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
