// outpost-crash-worker: the child process of the store's crash test (BrokerStoreTests/CrashTests.swift).
//
// Usage: outpost-crash-worker <data-directory> [lmdb-default|single-explicit-sync]
//
// Opens the store in the directory, creates (or finds) the queue "crash", then runs
// concurrent submitters until it is killed: each stores batches of messages with random
// priorities and sizes, or removes entries it (or an earlier run) stored. Every line
// on stdout states a fact that a successful commit made durable, and is written with
// one write(2) only after that commit's completion reported success:
//
//     Q <queue id>                               the queue exists
//     S <message id> <priority> <body length>    the message is stored in the queue
//     R <message id>                             its entry (and so the message) is removed
//
// One line is written before its commit, and so states an intent, not a fact:
//
//     r <message id>                             the removal of this entry is being submitted
//
// Message bodies follow `bodyByte(id:index:)`, so the test can check their content.
// Any failure is printed to stderr and ends the process with status 2; the test
// expects the process to die only by its SIGKILL.

import BrokerStore
import Foundation
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum CrashWorker {
    static let queueName = "crash"
    static let submitters = 4
    /// Above this many entries the submitters remove more than they store.
    static let targetDepth = 1_500

    struct Entry: Sendable {
        var id: MessageID
        var priority: UInt8
    }

    /// Entries that can be removed; a submitter takes entries out before removing them,
    /// so no two submitters remove the same one.
    static let removable = Mutex<[Entry]>([])
    static let output = Mutex<Void>(())

    static func bodyByte(id: UInt64, index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: id &* 31 &+ UInt64(index))
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("outpost-crash-worker: \(message)\n".utf8))
        exit(2)
    }

    /// Writes `text` to stdout with as few write(2) calls as the kernel allows (one for a
    /// line batch below the pipe buffer size), unbuffered, so nothing is lost at SIGKILL.
    static func emit(_ text: String) {
        self.output.withLock { _ in
            var text = text
            text.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(1, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        exit(3)
                    }
                    offset += written
                }
            }
        }
    }

    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else { fail("usage: outpost-crash-worker <data-directory> [sync-mode]") }
        var syncMode = StoreConfiguration.SyncMode.lmdbDefault
        if arguments.count >= 3 {
            guard let mode = StoreConfiguration.SyncMode(rawValue: arguments[2]) else { fail("unknown sync mode \(arguments[2])") }
            syncMode = mode
        }
        // A small initial map so that runs also grow the map while being killed.
        let configuration = StoreConfiguration(
            directory: arguments[1],
            maxSize: 256 << 20,
            initialMapSize: 1 << 20,
            syncMode: syncMode
        )
        let store: MessageStore
        do {
            store = try MessageStore(configuration: configuration)
        } catch {
            fail("cannot open the store: \(error)")
        }

        let queue: QueueID
        if let existing = store.queues.values.first(where: { $0.name == queueName }) {
            queue = existing.id
        } else {
            let record = QueueRecord(
                id: store.nextQueueID(),
                name: queueName,
                address: queueName,
                routingType: .anycast,
                isDurable: true
            )
            do {
                _ = try await store.commit([.createQueue(record)])
            } catch {
                fail("cannot create the queue: \(error)")
            }
            queue = record.id
        }
        emit("Q \(queue.rawValue)\n")

        // What earlier runs left (acknowledged or not) can be removed too.
        do {
            let existing = try store.read { reader in
                var entries: [Entry] = []
                try reader.walk(queue: queue) { entry in
                    entries.append(Entry(id: entry.key.message, priority: entry.key.priority))
                    return true
                }
                return entries
            }
            removable.withLock { $0 = existing }
        } catch {
            fail("cannot read the queue: \(error)")
        }

        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<submitters {
                group.addTask { await submitLoop(store: store, queue: queue) }
            }
        }
    }

    static func submitLoop(store: MessageStore, queue: QueueID) async {
        while true {
            let depth = removable.withLock { $0.count }
            let removeChance = depth > targetDepth ? 0.7 : 0.35
            if depth > 0 && Double.random(in: 0..<1) < removeChance {
                let count = Int.random(in: 1...6)
                let taken: [Entry] = removable.withLock { pool in
                    var taken: [Entry] = []
                    while taken.count < count, !pool.isEmpty {
                        taken.append(pool.remove(at: Int.random(in: 0..<pool.count)))
                    }
                    return taken
                }
                if taken.isEmpty { continue }
                // Announced before submitting: a removal that commits but is never
                // acknowledged (killed in between) is then known to the test.
                emit(taken.map { "r \($0.id.rawValue)\n" }.joined())
                let operations = taken.map {
                    StoreOperation.removeEntry(EntryKey(queue: queue, priority: $0.priority, message: $0.id))
                }
                do {
                    _ = try await store.commit(operations)
                } catch {
                    fail("remove commit failed: \(error)")
                }
                emit(taken.map { "R \($0.id.rawValue)\n" }.joined())
            } else {
                let count = Int.random(in: 1...8)
                var messages: [StoredMessage] = []
                for _ in 0..<count {
                    let id = store.nextMessageID()
                    // Mostly small bodies, sometimes one larger than a page (overflow pages).
                    let length = Int.random(in: 0..<20) == 0 ? Int.random(in: 2_000...9_000) : Int.random(in: 0...600)
                    let body = ByteBuffer(bytes: (0..<length).map { bodyByte(id: id.rawValue, index: $0) })
                    messages.append(
                        StoredMessage(
                            id: id,
                            address: queueName,
                            priority: UInt8.random(in: 0...9),
                            creationTime: Int64(id.rawValue),
                            body: body
                        )
                    )
                }
                do {
                    _ = try await store.commit(messages.map { .storeMessage($0, queues: [queue]) })
                } catch {
                    fail("store commit failed: \(error)")
                }
                emit(messages.map { "S \($0.id.rawValue) \($0.priority) \($0.body.readableBytes)\n" }.joined())
                removable.withLock { pool in
                    pool.append(contentsOf: messages.map { Entry(id: $0.id, priority: $0.priority) })
                }
            }
        }
    }
}

await CrashWorker.main()
