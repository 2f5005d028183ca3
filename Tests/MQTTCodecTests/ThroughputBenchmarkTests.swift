import Foundation
import MQTTCodec
import NIOCore
import Testing

/// Prints nanoseconds per operation for a 100-byte QoS 1 PUBLISH. Meaningful only in release:
/// `MQTT_CODEC_BENCHMARK=1 swift test -c release --no-parallel --filter ThroughputBenchmarkTests`.
/// Measures the thread's CPU time, not the wall clock, so other load on a shared machine does not count.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MQTT_CODEC_BENCHMARK"] != nil))
struct ThroughputBenchmarkTests {
    static let iterations = 2_000_000

    /// Topic of 25 bytes, 2-byte identifier, payload making the packet 100 bytes in total.
    static func publish(version: MQTTProtocolVersion) -> MQTTPublishPacket {
        let topic = "sensors/room1/temperature"
        let propertyBytes = version == .v5 ? 1 : 0
        let payloadLength = 100 - 2 - (2 + topic.utf8.count) - 2 - propertyBytes
        return MQTTPublishPacket(
            topicName: topic,
            payload: ByteBuffer(repeating: 0x7B, count: payloadLength),
            qos: .atLeastOnce,
            packetIdentifier: 42
        )
    }

    @Test(arguments: MQTTProtocolVersion.allCases)
    func decodePublish(_ version: MQTTProtocolVersion) throws {
        var wire = ByteBuffer()
        try Self.publish(version: version).encode(into: &wire, version: version)
        #expect(wire.readableBytes == 100)
        var decoder = MQTTPacketDecoder(protocolVersion: version)
        var checksum = 0
        let start = Self.threadCPUTime()
        for _ in 0..<Self.iterations {
            var input = wire
            if case .publish(let publish) = try decoder.decodePacket(from: &input) {
                checksum &+= publish.payload.readableBytes
            }
        }
        let elapsed = Self.threadCPUTime() - start
        #expect(checksum == Self.iterations * Self.publish(version: version).payload.readableBytes)
        print("decode 100-byte QoS 1 PUBLISH \(version): \(Self.nanoseconds(elapsed)) ns/op")
    }

    @Test(arguments: MQTTProtocolVersion.allCases)
    func encodePublish(_ version: MQTTProtocolVersion) throws {
        let packet = Self.publish(version: version)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(256)
        let start = Self.threadCPUTime()
        for _ in 0..<Self.iterations {
            buffer.clear()
            try packet.encode(into: &buffer, version: version)
        }
        let elapsed = Self.threadCPUTime() - start
        #expect(buffer.readableBytes == 100)
        print("encode 100-byte QoS 1 PUBLISH \(version): \(Self.nanoseconds(elapsed)) ns/op")
    }

    static func threadCPUTime() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return time.tv_sec * 1_000_000_000 + time.tv_nsec
    }

    static func nanoseconds(_ elapsed: Int) -> Int {
        elapsed / Self.iterations
    }
}
