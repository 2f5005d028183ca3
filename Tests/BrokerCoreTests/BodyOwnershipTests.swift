import BrokerCore
import BrokerStore
import BrokerTestSupport
import NIOCore
import Testing

/// Front ends hand bodies over as slices of their socket reads; only what a queue keeps in memory
/// is copied into a buffer of its own.
@Suite("Message bodies kept in memory")
struct BodyOwnershipTests {
    static let readSize = 64 * 1024

    /// A 1 KiB body sliced out of a 64 KiB buffer, as a transfer's payload is out of a socket read.
    func sliceOfARead(_ fill: UInt8) -> ByteBuffer {
        var read = ByteBuffer(repeating: fill, count: Self.readSize)
        read.moveReaderIndex(forwardBy: 100)
        return read.readSlice(length: 1024)!
    }

    func publish(_ harness: TestBroker, _ body: ByteBuffer, durable: Bool = true) throws {
        let result = BlockingResult<Result<Void, BrokerError>>()
        harness.broker.publish(IncomingMessage(address: "q", isDurable: durable, body: body)) { result.set($0) }
        try result.wait().get()
    }

    @Test func aSliceKeptInTheWindowGetsABufferOfItsOwn() throws {
        let harness = try TestBroker()
        let queue = try harness.broker.anycastQueue(for: "q")
        try self.publish(harness, self.sliceOfARead(0x61))
        try self.publish(harness, self.sliceOfARead(0x62), durable: false)
        let recorder = RecordingConsumer()
        _ = queue.addConsumer(delegate: recorder, credit: 2)
        #expect(recorder.waitFor(2))
        for (delivery, fill) in zip(recorder.deliveries, [UInt8(0x61), 0x62]) {
            #expect(delivery.message.body == ByteBuffer(repeating: fill, count: 1024))
            #expect(delivery.message.body.storageCapacity < Self.readSize)
        }
    }

    @Test func slicesThatStayOnDiskAreStoredWhole() throws {
        let harness = try TestBroker(configuration: BrokerConfiguration(queueWindowMessages: 2))
        let queue = try harness.broker.anycastQueue(for: "q")
        let fills: [UInt8] = [0x61, 0x62, 0x63, 0x64, 0x65]
        for fill in fills { try self.publish(harness, self.sliceOfARead(fill)) }
        let recorder = RecordingConsumer()
        let consumer = queue.addConsumer(delegate: recorder, credit: fills.count)
        #expect(recorder.waitFor(fills.count))
        #expect(recorder.deliveries.map(\.message.body) == fills.map { ByteBuffer(repeating: $0, count: 1024) })
        #expect(recorder.deliveries.allSatisfy { $0.message.body.storageCapacity < Self.readSize })
        consumer.close()
    }
}
