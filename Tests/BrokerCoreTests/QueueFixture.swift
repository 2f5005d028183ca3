import BrokerStore
import NIOCore

@testable import BrokerCore

/// Entries and state machines for scripted queue tests: queue 1, message `id` with body "m<id>".
enum QueueFixture {
    static let queueID = QueueID(1)

    /// A durable entry committed to the store, or (`durable: false`) a memory-only one.
    static func entry(_ id: UInt64, priority: UInt8 = 4, durable: Bool = true) -> QueueEntry {
        let message = StoredMessage(id: MessageID(id), address: "q", priority: priority, isDurable: durable, creationTime: 0, body: ByteBuffer(string: "m\(id)"))
        return QueueEntry(key: EntryKey(queue: Self.queueID, priority: priority, message: MessageID(id)), message: message, deliveryCount: 0, isStored: durable)
    }

    static func machine(window: Int) -> QueueStateMachine {
        QueueStateMachine(queueID: Self.queueID, policy: AddressPolicy(), windowMessages: window, windowBytes: 1 << 20, storedMessages: 0, storedBytes: 0)
    }
}
