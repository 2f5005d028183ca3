import BrokerTestSupport
import Foundation
import Testing

@testable import BrokerStore

@Suite struct WriterThreadTests {
    /// The names of this process's threads, as top, ps and perf show them.
    func threadNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task in
            try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// An operator looking at a busy broker with `top -H` sees which thread is the store's writer.
    @Test func theWriterThreadIsNamed() async throws {
        #if os(Linux)
        try await withStoreFixture(.lmdbDefault) { fixture in
            let store = try fixture.open()
            defer { store.close() }
            // The thread names itself as it starts.
            #expect(eventually { (try? threadNames().contains(GroupCommitWriter.threadName)) == true })
        }
        #endif
    }
}
