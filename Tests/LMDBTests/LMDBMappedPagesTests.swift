import BrokerTestSupport
import Foundation
import LMDB
import Testing

@Suite("LMDB mapped pages")
struct LMDBMappedPagesTests {
    @Test func releasingTheMapDropsItsResidentPagesAndReadsStillSeeTheData() throws {
        try withTemporaryDirectory(prefix: "outpost-lmdb") { directory throws in
            let environment = try LMDBEnvironment(directory: directory.path, mapSize: 64 << 20, maxDatabases: 2)
            defer { environment.close() }
            let database = try environment.write { try LMDBDatabase.open("db", in: $0, create: true) }
            let value = [UInt8](repeating: 7, count: 1024)
            try environment.write { transaction in
                for key in 0..<4000 as Range<UInt32> {
                    try transaction.put(database, key: withUnsafeBytes(of: key.bigEndian, Array.init), value: value)
                }
            }
            let dataFile = URL(fileURLWithPath: directory.path).appendingPathComponent("data.mdb").resolvingSymlinksInPath().path
            func readAll() throws -> Int {
                try environment.read { transaction in
                    try (0..<4000 as Range<UInt32>).reduce(0) { sum, key in
                        sum + (try transaction.get(database, key: withUnsafeBytes(of: key.bigEndian, Array.init)) { $0.count } ?? 0)
                    }
                }
            }
            #expect(try readAll() == 4000 * 1024)
            let before = try residentKilobytes(ofMappingsOf: dataFile)
            #expect(before >= 4000)  // the reads touched about 4 MB of the map
            environment.releaseMappedPages()
            #expect(try residentKilobytes(ofMappingsOf: dataFile) < before / 10)
            #expect(try readAll() == 4000 * 1024)
            #expect(try environment.read { try $0.get(database, key: withUnsafeBytes(of: UInt32(3999).bigEndian, Array.init)) } == value)
        }
    }
}
