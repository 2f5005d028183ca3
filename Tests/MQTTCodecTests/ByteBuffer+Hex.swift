import NIOCore

extension ByteBuffer {
    /// Bytes from hex digits; spaces are ignored so fixtures can group fields.
    init(hex: String) {
        var bytes: [UInt8] = []
        var pending: UInt8?
        for character in hex where !character.isWhitespace {
            guard let digit = character.hexDigitValue else {
                preconditionFailure("not a hex digit: \(character)")
            }
            if let high = pending {
                bytes.append(high << 4 | UInt8(digit))
                pending = nil
            } else {
                pending = UInt8(digit)
            }
        }
        precondition(pending == nil, "odd number of hex digits")
        self.init(bytes: bytes)
    }

    var hexDump: String {
        self.readableBytesView.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}
