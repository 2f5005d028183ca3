import BrokerTestSupport
import Foundation
import LMDB
import Testing

/// Opens an environment in a new temporary directory with one named database "db",
/// runs `body`, then closes the environment and removes the directory.
private func withEnvironment<Result>(
    mapSize: Int = 1 << 20,
    flags: LMDBEnvironment.Flags = [],
    _ body: (LMDBEnvironment, LMDBDatabase) throws -> Result
) throws -> Result {
    try withTemporaryDirectory(prefix: "outpost-lmdb") { directory throws in
        let environment = try LMDBEnvironment(directory: directory.path, mapSize: mapSize, maxDatabases: 4, flags: flags)
        defer { environment.close() }
        let database = try environment.write { try LMDBDatabase.open("db", in: $0, create: true) }
        return try body(environment, database)
    }
}

private func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

private func bigEndian(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }

@Suite("LMDB environment and transactions")
struct LMDBEnvironmentTests {
    @Test func putGetDelete() throws {
        try withEnvironment { environment, db throws in
            try environment.write { txn throws in
                try txn.put(db, key: bytes("a"), value: bytes("one"))
                try txn.put(db, key: bytes("b"), value: bytes("two"))
                try txn.put(db, key: bytes("a"), value: bytes("uno"))  // replaces
            }
            try environment.read { txn throws in
                #expect(try txn.get(db, key: bytes("a")) == bytes("uno"))
                #expect(try txn.get(db, key: bytes("b")) == bytes("two"))
                #expect(try txn.get(db, key: bytes("missing")) == nil)
                #expect(try txn.get(db, key: bytes("b")) { $0.count } == 3)
                #expect(try db.count(in: txn) == 2)
            }
            let deleted = try environment.write { txn throws in
                (try txn.delete(db, key: bytes("a")), try txn.delete(db, key: bytes("a")))
            }
            #expect(deleted == (true, false))
            try environment.read { txn throws in
                #expect(try txn.get(db, key: bytes("a")) == nil)
                #expect(try db.count(in: txn) == 1)
            }
        }
    }

    @Test func reservedPutWritesInPlace() throws {
        try withEnvironment { environment, db throws in
            try environment.write { txn throws in
                try bytes("k").withUnsafeBytes { key in
                    try txn.put(db, key: key, reservingBytes: 5) { buffer in
                        buffer.copyBytes(from: bytes("hello"))
                    }
                }
            }
            #expect(try environment.read { try $0.get(db, key: bytes("k")) } == bytes("hello"))
        }
    }

    @Test func emptyRemovesEveryEntryButKeepsTheDatabase() throws {
        try withEnvironment { environment, db throws in
            try environment.write { txn throws in
                for i in 0..<50 { try txn.put(db, key: bigEndian(UInt32(i)), value: [1]) }
            }
            try environment.write { try $0.empty(db) }
            try environment.read { txn throws in
                #expect(try db.count(in: txn) == 0)
                #expect(try txn.withCursor(db) { try $0.first() } == nil)
            }
            try environment.write { try $0.put(db, key: [9], value: [9]) }
            #expect(try environment.read { try $0.get(db, key: [9]) } == [9])
        }
    }

    @Test func abortedWriteLeavesNoTrace() throws {
        try withEnvironment { environment, db throws in
            struct Rollback: Error {}
            #expect(throws: Rollback.self) {
                try environment.write { txn throws in
                    try txn.put(db, key: [1], value: [1])
                    throw Rollback()
                }
            }
            #expect(try environment.read { try $0.get(db, key: [1]) } == nil)
            let txn = try environment.beginWriteTransaction()
            try txn.put(db, key: [2], value: [2])
            txn.abort()
            txn.abort()  // idempotent
            #expect(try environment.read { try $0.get(db, key: [2]) } == nil)
        }
    }

    @Test func cursorWalksInByteOrderAndSeeks() throws {
        try withEnvironment { environment, db throws in
            let keys: [UInt32] = [500, 3, 70_000, 42, 1, 65_536, 256, 255]
            try environment.write { txn throws in
                for key in keys.shuffled() { try txn.put(db, key: bigEndian(key), value: bigEndian(key &* 2)) }
            }
            let sorted = keys.sorted()
            try environment.read { txn throws in
                try txn.withCursor(db) { cursor throws in
                    // Forward.
                    var seen: [UInt32] = []
                    var entry = try cursor.first()
                    while let (key, value) = entry {
                        let k = UInt32(bigEndian: key.loadUnaligned(as: UInt32.self))
                        #expect(UInt32(bigEndian: value.loadUnaligned(as: UInt32.self)) == k &* 2)
                        seen.append(k)
                        entry = try cursor.next()
                    }
                    #expect(seen == sorted)
                    // Backward.
                    seen = []
                    entry = try cursor.last()
                    while let (key, _) = entry {
                        seen.append(UInt32(bigEndian: key.loadUnaligned(as: UInt32.self)))
                        entry = try cursor.previous()
                    }
                    #expect(seen == sorted.reversed())
                    // Seek: exact, between keys, before all, past the end.
                    func seek(_ k: UInt32) throws -> UInt32? {
                        try cursor.seek(atOrAfter: bigEndian(k)).map { UInt32(bigEndian: $0.key.loadUnaligned(as: UInt32.self)) }
                    }
                    #expect(try seek(42) == 42)
                    #expect(try seek(43) == 255)
                    #expect(try seek(0) == 1)
                    #expect(try seek(65_537) == 70_000)
                    #expect(try seek(70_001) == nil)
                    // A shorter key sorts before longer keys with the same prefix.
                    #expect(try cursor.seek(atOrAfter: [0, 0, 1]).map { Array($0.key) } == bigEndian(256))
                    #expect(try seek(500) == 500)
                    #expect(try cursor.current().map { Array($0.key) } == bigEndian(500))
                }
            }
        }
    }

    @Test func cursorDeletesCurrentEntry() throws {
        try withEnvironment { environment, db throws in
            try environment.write { txn throws in
                for i in UInt32(0)..<10 { try txn.put(db, key: bigEndian(i), value: []) }
            }
            // Delete the odd keys while walking.
            try environment.write { txn throws in
                try txn.withCursor(db) { cursor throws in
                    var entry = try cursor.first()
                    while let (key, _) = entry {
                        if UInt32(bigEndian: key.loadUnaligned(as: UInt32.self)) % 2 == 1 {
                            try cursor.deleteCurrent()
                            entry = try cursor.next()  // after a delete, `next` yields the following entry
                        } else {
                            entry = try cursor.next()
                        }
                    }
                }
            }
            let remaining = try environment.read { txn throws in
                try txn.withCursor(db) { cursor throws in
                    var keys: [UInt32] = []
                    var entry = try cursor.first()
                    while let (key, _) = entry {
                        keys.append(UInt32(bigEndian: key.loadUnaligned(as: UInt32.self)))
                        entry = try cursor.next()
                    }
                    return keys
                }
            }
            #expect(remaining == [0, 2, 4, 6, 8])
        }
    }

    @Test func readTransactionKeepsItsSnapshot() throws {
        try withEnvironment { environment, db throws in
            try environment.write { try $0.put(db, key: bytes("k"), value: bytes("v1")) }
            let snapshot = try environment.beginReadTransaction()
            defer { snapshot.abort() }
            #expect(snapshot.isReadOnly)
            let snapshotID = snapshot.id

            try environment.write { txn throws in
                #expect(!txn.isReadOnly)
                #expect(txn.id == snapshotID + 1)
                try txn.put(db, key: bytes("k"), value: bytes("v2"))
                try txn.put(db, key: bytes("new"), value: bytes("x"))
            }

            // The old snapshot sees neither the change nor the new key, also through a cursor.
            #expect(try snapshot.get(db, key: bytes("k")) == bytes("v1"))
            #expect(try snapshot.get(db, key: bytes("new")) == nil)
            #expect(try db.count(in: snapshot) == 1)
            #expect(try snapshot.withCursor(db) { try $0.seek(atOrAfter: bytes("m")) } == nil)
            #expect(snapshot.id == snapshotID)

            // A new snapshot sees the commit.
            try environment.read { txn throws in
                #expect(txn.id == snapshotID + 1)
                #expect(try txn.get(db, key: bytes("k")) == bytes("v2"))
                #expect(try txn.get(db, key: bytes("new")) == bytes("x"))
            }
        }
    }

    @Test func concurrentReadersOnManyThreads() async throws {
        // The environment is opened with MDB_NOTLS, so readers on the cooperative pool's threads share it freely.
        try await withTemporaryDirectory(prefix: "outpost-lmdb") { directory async throws in
            let environment = try LMDBEnvironment(directory: directory.path, mapSize: 1 << 20, maxDatabases: 2)
            defer { environment.close() }
            let db = try environment.write { try LMDBDatabase.open("db", in: $0, create: true) }
            try environment.write { try $0.put(db, key: [1], value: [7]) }
            let values = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                for _ in 0..<8 {
                    group.addTask { try environment.read { try $0.get(db, key: [1]) } }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(values == Array(repeating: [7], count: 8))
            #expect(environment.info.readersInUse >= 1)
        }
    }

    @Test func mapFullSurfacesAndGrowingTheMapLetsWritesContinue() throws {
        let initialMap = 256 << 10
        try withEnvironment(mapSize: initialMap) { environment, db throws in
            #expect(environment.info.mapSize == initialMap)
            #expect(environment.pageSize >= 4096)
            let value = [UInt8](repeating: 0xAB, count: 1000)
            var stored: UInt32 = 0
            var failure: Error?
            // Commit 10 values at a time until LMDB reports the map full.
            while failure == nil && stored < 10_000 {
                do {
                    try environment.write { txn throws in
                        for i in stored..<stored + 10 { try txn.put(db, key: bigEndian(i), value: value) }
                    }
                    stored += 10
                } catch {
                    failure = error
                }
            }
            let error = try #require(failure as? LMDBError, "expected an LMDBError, got \(String(describing: failure))")
            #expect(error == .mapFull)
            #expect(error.code == LMDBError.mapFull.code)
            #expect(!error.message.isEmpty)
            #expect(error.description.contains("\(error.code)"))
            #expect(stored > 0)
            #expect(environment.usedBytes <= initialMap)

            // Everything committed before the failure is intact, nothing of the failed transaction is.
            try environment.read { txn throws in
                #expect(try db.count(in: txn) == Int(stored))
                #expect(try txn.get(db, key: bigEndian(stored)) == nil)
            }

            try environment.setMapSize(4 << 20)
            #expect(environment.info.mapSize == 4 << 20)
            try environment.write { txn throws in
                for i in stored..<stored + 500 { try txn.put(db, key: bigEndian(i), value: value) }
            }
            try environment.sync()
            try environment.read { txn throws in
                #expect(try db.count(in: txn) == Int(stored) + 500)
                #expect(try txn.get(db, key: bigEndian(0)) == value)
                #expect(try txn.get(db, key: bigEndian(stored + 499)) == value)
            }
            #expect(environment.usedBytes > initialMap)
        }
    }

    @Test func dataSurvivesCloseAndReopen() throws {
        try withTemporaryDirectory(prefix: "outpost-lmdb") { directory throws in
            do {
                let environment = try LMDBEnvironment(directory: directory.path, mapSize: 1 << 20, maxDatabases: 2, flags: [.noSync])
                let db = try environment.write { try LMDBDatabase.open("db", in: $0, create: true) }
                try environment.write { try $0.put(db, key: bytes("k"), value: bytes("durable")) }
                try environment.sync(force: true)
                environment.close()
                environment.close()  // idempotent
            }
            let environment = try LMDBEnvironment(directory: directory.path, mapSize: 1 << 20, maxDatabases: 2)
            defer { environment.close() }
            let db = try environment.write { try LMDBDatabase.open("db", in: $0, create: false) }
            #expect(try environment.read { try $0.get(db, key: bytes("k")) } == bytes("durable"))
            // A database that was never created is not found without `create`.
            #expect(throws: LMDBError.notFound) {
                try environment.write { try LMDBDatabase.open("other", in: $0, create: false) }
            }
        }
    }

    @Test func errorsCarryCodesAndNonEmptyMessages() throws {
        let known: [LMDBError] = [
            .keyExists, .notFound, .mapFull, .readersFull, .transactionFull, .mapResized,
            .versionMismatch, .invalid, .corrupted, .databasesFull, .busy,
        ]
        for error in known {
            #expect(!error.message.isEmpty, "no message for \(error.code)")
            #expect(error.description.contains(error.message))
            #expect(error == LMDBError(code: error.code))
        }
        #expect(Set(known.map(\.code)).count == known.count)

        // Opening in a directory that does not exist fails with errno and its text.
        let missing = "/nonexistent-outpost-\(UInt64.random(in: 0...UInt64.max))"
        do {
            _ = try LMDBEnvironment(directory: missing, mapSize: 1 << 20, maxDatabases: 1)
            Issue.record("opening \(missing) succeeded")
        } catch let error as LMDBError {
            #expect(error.code == ENOENT)
            #expect(!error.message.isEmpty)
        }
    }

    @Test func pageCountsAddUpToTheUsedPages() throws {
        try withEnvironment(mapSize: 4 << 20) { environment, db throws in
            let value = [UInt8](repeating: 1, count: 900)
            try environment.write { txn throws in
                for i in UInt32(0)..<400 { try txn.put(db, key: bigEndian(i), value: value) }
                try txn.put(db, key: [0xFF], value: [UInt8](repeating: 2, count: 20_000))  // overflow pages
            }
            try environment.read { txn throws in
                let dataPages = try db.pageCount(in: txn)
                #expect(dataPages >= 400 * 900 / environment.pageSize + 20_000 / environment.pageSize)
                let live = try [db, LMDBDatabase.main, LMDBDatabase.freeList].reduce(2) { try $0 + $1.pageCount(in: txn) }
                // Every allocated page is live, free (in the free list) or a meta page.
                #expect(live <= environment.info.lastPageNumber + 1)
                #expect(try LMDBDatabase.main.pageCount(in: txn) >= 1)
            }
        }
    }

    @Test func tooManyNamedDatabasesIsReported() throws {
        try withTemporaryDirectory(prefix: "outpost-lmdb") { directory throws in
            let environment = try LMDBEnvironment(directory: directory.path, mapSize: 1 << 20, maxDatabases: 2)
            defer { environment.close() }
            #expect(throws: LMDBError.databasesFull) {
                try environment.write { txn throws in
                    for name in ["a", "b", "c"] { _ = try LMDBDatabase.open(name, in: txn, create: true) }
                }
            }
        }
    }
}
