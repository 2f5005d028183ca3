import BrokerStore
import NIOCore
import Testing

@testable import BrokerCore

@Suite struct ReadyEntriesTests {
    func entry(_ id: UInt64, priority: UInt8) -> QueueEntry {
        let message = StoredMessage(id: MessageID(id), address: "q", priority: priority, creationTime: 0, body: ByteBuffer(string: "m"))
        return QueueEntry(key: EntryKey(queue: QueueID(1), priority: priority, message: MessageID(id)), message: message, deliveryCount: 0, isStored: false)
    }

    /// Out-of-order inserts (stored arrivals behind memory-only ones, redeliveries, page-ins)
    /// land in key order: highest priority first, then by message id.
    @Test func insertsInAnyOrderComeOutInKeyOrder() {
        var generator = SystemRandomNumberGenerator()
        let entries = (UInt64(1)...500).map { self.entry($0, priority: [4, 4, 4, 9, 0].randomElement(using: &generator)!) }
        var ready = ReadyEntries()
        // Mostly ascending with runs of older ids inserted late, as a flood past the window does.
        var shuffled = entries
        for start in stride(from: 0, to: shuffled.count - 40, by: 40) { shuffled[start..<(start + 40)].reverse() }
        shuffled.shuffle(using: &generator)
        for entry in shuffled.prefix(250) { ready.insert(entry) }
        for entry in shuffled.dropFirst(250) { ready.insert(entry) }
        let expected = entries.map(\.key).sorted()
        #expect(ready.count == 500)
        #expect(ready.all.map(\.key) == expected)
        #expect(ready.remove(expected[100])?.key == expected[100])
        var popped: [EntryKey] = []
        while let entry = ready.popFirst() { popped.append(entry.key) }
        #expect(popped == expected.filter { $0 != expected[100] })
    }

    @Test func anEntryOlderThanEveryOtherOfItsPriorityGoesFirst() {
        var ready = ReadyEntries()
        for id in UInt64(10)...20 { ready.insert(self.entry(id, priority: 4)) }
        ready.insert(self.entry(3, priority: 4))
        ready.insert(self.entry(15, priority: 5))
        #expect(ready.all.map(\.key.message.rawValue) == [15, 3] + Array(10...20))
    }
}
