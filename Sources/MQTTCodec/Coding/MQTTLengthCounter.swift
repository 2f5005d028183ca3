import NIOCore

/// Adds up the encoded size of a packet's fields before anything is written, so the Remaining Length
/// and Property Length can go in front of the fields they measure; checks every field's wire limit.
struct MQTTLengthCounter {
    let packetType: MQTTPacketType
    private(set) var total = 0

    init(packetType: MQTTPacketType) {
        self.packetType = packetType
    }

    @inline(__always)
    mutating func add(_ byteCount: Int) {
        self.total += byteCount
    }

    @inline(__always)
    mutating func addString(_ string: String, field: String) throws(MQTTEncodingError) {
        let count = string.utf8.count
        guard count <= UInt16.max else {
            throw MQTTEncodingError(code: .valueTooLong, packetType: self.packetType, field: field)
        }
        self.total += 2 + count
    }

    @inline(__always)
    mutating func addBinary(_ data: ByteBuffer, field: String) throws(MQTTEncodingError) {
        let count = data.readableBytes
        guard count <= UInt16.max else {
            throw MQTTEncodingError(code: .valueTooLong, packetType: self.packetType, field: field)
        }
        self.total += 2 + count
    }

    @inline(__always)
    mutating func addVariableByteInteger(_ value: Int, field: String) throws(MQTTEncodingError) {
        guard value >= 0 && value <= MQTTVariableByteInteger.maximum else {
            throw MQTTEncodingError(code: .valueTooLong, packetType: self.packetType, field: field)
        }
        self.total += MQTTVariableByteInteger.encodedLength(value)
    }
}
