// outpost-codec-bench: CPU time per encode/decode of the codecs' hot messages (release only).
// Measures the thread's CPU time, so other load on a shared machine does not count.
import Foundation
import MQTTCodec
import NIOCore

let iterations = 2_000_000

func threadCPUTime() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
}

/// A 100-byte QoS 1 PUBLISH: topic of 25 bytes, 2-byte identifier, payload filling the rest.
func publish(_ version: MQTTProtocolVersion) -> MQTTPublishPacket {
    let topic = "sensors/room1/temperature"
    let propertyBytes = version == .v5 ? 1 : 0
    let payloadLength = 100 - 2 - (2 + topic.utf8.count) - 2 - propertyBytes
    return MQTTPublishPacket(topicName: topic, payload: ByteBuffer(repeating: 0x7B, count: payloadLength), qos: .atLeastOnce, packetIdentifier: 42)
}

do {
    for version in MQTTProtocolVersion.allCases {
        let packet = publish(version)
        var wire = ByteBuffer()
        try packet.encode(into: &wire, version: version)
        precondition(wire.readableBytes == 100, "the packet must be 100 bytes")

        var decoder = MQTTPacketDecoder(protocolVersion: version)
        var checksum = 0
        var start = threadCPUTime()
        for _ in 0..<iterations {
            var input = wire
            if case .publish(let decoded) = try decoder.decodePacket(from: &input) { checksum &+= decoded.payload.readableBytes }
        }
        let decode = (threadCPUTime() - start) / iterations
        precondition(checksum == iterations * packet.payload.readableBytes, "every decode must see the payload")

        var buffer = ByteBuffer()
        buffer.reserveCapacity(256)
        start = threadCPUTime()
        for _ in 0..<iterations {
            buffer.clear()
            try packet.encode(into: &buffer, version: version)
        }
        let encode = (threadCPUTime() - start) / iterations
        print("MQTT \(version) 100-byte QoS 1 PUBLISH: decode \(decode) ns/op, encode \(encode) ns/op")
    }
} catch {
    FileHandle.standardError.write(Data("codec bench failed: \(error)\n".utf8))
    exit(1)
}
