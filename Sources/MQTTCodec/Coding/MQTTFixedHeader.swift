import NIOCore

/// The first byte and Remaining Length of every packet (MQTT 5.0 section 2.1).
enum MQTTFixedHeader {
    /// Bits 7-4 hold the packet type, bits 3-0 the flags.
    static let typeShift: UInt8 = 4
    static let flagsMask: UInt8 = 0x0F

    /// Writes the fixed header and makes room for the body, whose size is `remainingLength`.
    @inline(__always)
    static func write(
        _ packetType: MQTTPacketType,
        flags: UInt8,
        remainingLength: Int,
        into buffer: inout ByteBuffer
    ) throws(MQTTEncodingError) {
        guard remainingLength <= MQTTVariableByteInteger.maximum else {
            throw MQTTEncodingError(code: .packetTooLarge, packetType: packetType, field: "Remaining Length")
        }
        buffer.reserveCapacity(minimumWritableBytes: 1 + MQTTVariableByteInteger.maximumLength + remainingLength)
        buffer.writeInteger(packetType.rawValue << Self.typeShift | flags)
        buffer.writeMQTTVariableByteInteger(remainingLength)
    }
}
