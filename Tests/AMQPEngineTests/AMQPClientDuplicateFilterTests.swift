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
        #expect(AMQPDuplicateFilter.duplicateID(in: bare) == AMQPDuplicateID("edge:7"))
        var plain = ByteBuffer()
        AMQPBareMessage(body: .value(.string("x"))).encode(into: &plain)
        #expect(AMQPDuplicateFilter.duplicateID(in: plain) == nil)
    }
}

@Suite struct AMQPDuplicateIDTests {
    @Test func outpostIDsKeepTheirMessageIDAsANumber() {
        let id = AMQPDuplicateID("edge-bench:12345")
        #expect(id.node == "edge-bench" && id.member == .number(12345))
        let nested = AMQPDuplicateID("a:b:7")
        #expect(nested.node == "a:b" && nested.member == .number(7))
        #expect(AMQPDuplicateID(":0").member == .number(0))
        #expect(AMQPDuplicateID("edge:18446744073709551615").member == .number(.max))
    }

    @Test func anythingElseIsKeptWholeAsText() {
        for text in ["edge:007", "edge:+7", "edge:", "edge:7x", "edge:18446744073709551616", "12", "", "é:1é"] {
            #expect(AMQPDuplicateID(text).member == .text(text), "\(text)")
        }
        #expect(AMQPDuplicateID("12").node == "")
    }

    @Test func idsAreEqualExactlyWhenTheirStringsAre() {
        let strings = ["edge:7", "edge:07", "edge:7 ", "7", ":7", "edge:x", "edge2:7", "edg:e:7", "edge:70", "edge:7"]
        for a in strings {
            #expect(AMQPDuplicateID(a).description == a)
            var utf8: [UInt8] = []
            AMQPDuplicateID(a).appendUTF8(to: &utf8)
            #expect(utf8 == Array(a.utf8) && AMQPDuplicateID(a).utf8Count == utf8.count)
            for b in strings {
                #expect((AMQPDuplicateID(a) == AMQPDuplicateID(b)) == (a == b), "\(a) vs \(b)")
            }
        }
    }

    @Test func aNumberAndTextThatLookAlikeAreDifferentIDs() throws {
        let harness = try TestBroker()
        let filter = try AMQPDuplicateFilter(store: harness.store, windowSize: 10)
        guard case .new = filter.admit("edge:7"), case .new = filter.admit("edge:07"), case .new = filter.admit("7"),
            case .duplicate = filter.admit("edge:7"), case .duplicate = filter.admit("edge:07")
        else { Issue.record("number and text forms mixed up"); return }
    }

    @Test func theRecordHoldsTheIDAsReceived() async throws {
        let harness = try TestBroker()
        let filter = try AMQPDuplicateFilter(store: harness.store, windowSize: 10)
        guard case .new(let operations) = filter.admit("edge-bench:4096"),
            case .putRecord(.duplicateIDs, let key, let value) = operations.first
        else { Issue.record("no record"); return }
        #expect(key == Array("edge-bench".utf8) + [0, 0, 0, 0, 0])
        #expect(value == [0, 0, 0, 0, 0, 0, 0, 0] + Array("edge-bench:4096".utf8))
    }

    @Test func theIDIsParsedInPlaceAndInvalidOnesAreIgnored() {
        var message = ByteBuffer()
        AMQPBareMessage(applicationProperties: [.string("_AMQ_DUPL_ID"): .string("edge:42")], body: .value(.null)).encode(into: &message)
        #expect(AMQPDuplicateFilter.duplicateID(in: message) == AMQPDuplicateID("edge:42"))
        var empty = ByteBuffer()
        AMQPBareMessage(applicationProperties: [.string("_AMQ_DUPL_ID"): .string("")], body: .value(.null)).encode(into: &empty)
        #expect(AMQPDuplicateFilter.duplicateID(in: empty) == nil)
        var notAString = ByteBuffer()
        AMQPBareMessage(applicationProperties: [.string("_AMQ_DUPL_ID"): .ulong(42)], body: .value(.null)).encode(into: &notAString)
        #expect(AMQPDuplicateFilter.duplicateID(in: notAString) == nil)
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
