import AMQPCodec
import BrokerStore
import BrokerTestSupport
import NIOCore
import Testing

@testable import AMQPEngine

/// Receiver-side dedup by `_AMQ_DUPL_ID` (the peer of an Outpost uplink).
@Suite struct AMQPClientDuplicateFilterTests {
    func commit(_ verdict: AMQPDuplicateFilter.Verdict, to store: MessageStore) async throws {
        guard case .new(let operations) = verdict else { return }
        _ = try await store.commit(operations)
    }

    @Test func secondCopyIsADuplicateAndTheWindowIsBoundedPerNode() throws {
        let harness = try TestBroker()
        let filter = try AMQPDuplicateFilter(store: harness.store, windowSize: 3)
        guard case .new = filter.admit("edge:1") else { Issue.record("first copy refused"); return }
        guard case .duplicate = filter.admit("edge:1") else { Issue.record("second copy taken"); return }
        // Another node has its own window.
        guard case .new = filter.admit("other:1") else { Issue.record("other node refused"); return }
        for id in 2...4 { _ = filter.admit("edge:\(id)") }
        // edge:1 fell out of the window of 3.
        guard case .new = filter.admit("edge:1") else { Issue.record("evicted id still a duplicate"); return }
        filter.forget("edge:1")
        guard case .new = filter.admit("edge:1") else { Issue.record("forgotten id still a duplicate"); return }
    }

    @Test func theWindowSurvivesARestart() async throws {
        let harness = try TestBroker()
        let filter = try AMQPDuplicateFilter(store: harness.store, windowSize: 2)
        for id in 1...3 { try await self.commit(filter.admit("edge:\(id)"), to: harness.store) }
        try harness.reopen()
        let reloaded = try AMQPDuplicateFilter(store: harness.store, windowSize: 2)
        guard case .duplicate = reloaded.admit("edge:3"), case .duplicate = reloaded.admit("edge:2") else {
            Issue.record("ids lost over the restart"); return
        }
        guard case .new = reloaded.admit("edge:1") else { Issue.record("an id outside the window"); return }
        // The store holds at most the window (slots are overwritten).
        #expect(try harness.store.read { try $0.records(.duplicateIDs) }.count == 2)
    }

    @Test func theIDIsReadFromApplicationProperties() {
        var bare = ByteBuffer()
        AMQPBareMessage(applicationProperties: [.string("_AMQ_DUPL_ID"): .string("edge:7")], body: .value(.string("x"))).encode(into: &bare)
        #expect(AMQPDuplicateFilter.duplicateID(in: bare) == "edge:7")
        var plain = ByteBuffer()
        AMQPBareMessage(body: .value(.string("x"))).encode(into: &plain)
        #expect(AMQPDuplicateFilter.duplicateID(in: plain) == nil)
    }
}

@Suite struct AMQPDuplicateFilterByteSearchTests {
    @Test func findsThePropertyNameAnywhereAndOnlyWhenWhole() {
        let needle = Array("_AMQ_DUPL_ID".utf8)
        #expect(AMQPDuplicateFilter.contains(needle, in: ByteBuffer(string: "_AMQ_DUPL_ID")))
        #expect(AMQPDuplicateFilter.contains(needle, in: ByteBuffer(string: "xx_AMQ_DUPL_IDyy")))
        #expect(AMQPDuplicateFilter.contains(needle, in: ByteBuffer(string: "__AMQ_DUPL_I_AMQ_DUPL_ID")))
        #expect(!AMQPDuplicateFilter.contains(needle, in: ByteBuffer(string: "_AMQ_DUPL_I")))
        #expect(!AMQPDuplicateFilter.contains(needle, in: ByteBuffer(string: "_AMQ_DUPL_Id and more")))
        #expect(!AMQPDuplicateFilter.contains(needle, in: ByteBuffer()))
        var sliced = ByteBuffer(string: "_AMQ_DUPL_ID tail")
        sliced.moveReaderIndex(forwardBy: 1)
        #expect(!AMQPDuplicateFilter.contains(needle, in: sliced))
    }
}
