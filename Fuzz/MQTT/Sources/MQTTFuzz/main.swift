import MQTTCodec
import NIOCore

/// Feeds the input to decoders in every configuration, and checks that every packet decoded
/// re-encodes to something that decodes to the same packet.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = ByteBuffer(bytes: UnsafeBufferPointer(start: start, count: count))
    let decoders = [
        MQTTPacketDecoder(),
        MQTTPacketDecoder(protocolVersion: .v3_1_1),
        MQTTPacketDecoder(protocolVersion: .v5),
        MQTTPacketDecoder(protocolVersion: .v5, maximumPacketSize: 64, validatesPayloadFormat: true),
    ]
    for var decoder in decoders {
        var buffer = input
        while let packet = try? decoder.decodePacket(from: &buffer) {
            checkRoundTrip(packet, version: decoder.protocolVersion ?? .v5)
        }
    }
    return 0
}

private func checkRoundTrip(_ packet: MQTTPacket, version: MQTTProtocolVersion) {
    var encoded = ByteBuffer()
    do {
        try packet.encode(into: &encoded, version: version)
    } catch {
        fatalError("decoded packet does not encode: \(error) \(packet)")
    }
    var decoder = MQTTPacketDecoder(protocolVersion: version)
    do {
        guard let decoded = try decoder.decodePacket(from: &encoded), encoded.readableBytes == 0 else {
            fatalError("re-encoded packet is incomplete: \(packet)")
        }
        guard decoded == packet else {
            fatalError("round trip changed the packet: \(packet) became \(decoded)")
        }
    } catch {
        fatalError("re-encoded packet does not decode: \(error) \(packet)")
    }
}
