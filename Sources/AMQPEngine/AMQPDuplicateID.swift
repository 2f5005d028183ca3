import NIOCore

/// A `_AMQ_DUPL_ID` as the duplicate window keeps it: the sending node (the id up to its last `:`)
/// and what follows. Outpost uplinks send `NODE-ID:MESSAGE-ID` with a decimal message id: that
/// part is kept as a number, so the window hashes and compares integers, and reading an id from a
/// message makes no String beyond the node's (small, inline, for node ids up to 15 bytes). Any
/// other id is kept whole, as text. One id string has exactly one form, so two ids are equal
/// exactly when their strings are.
public struct AMQPDuplicateID: Hashable, Sendable, CustomStringConvertible {
    public enum Member: Hashable, Sendable {
        /// The decimal after the last `:`, written without sign or leading zeros.
        case number(UInt64)
        /// Any other id, whole (node included).
        case text(String)
    }

    /// The id up to its last `:`; empty when it has none.
    public let node: String
    public let member: Member

    public init(_ id: String) {
        // A Swift string is valid UTF-8.
        self = Array(id.utf8).withUnsafeBytes { Self(validUTF8: $0) }
    }

    /// Parses UTF-8 bytes already validated (the codec validates AMQP strings).
    init(validUTF8 bytes: UnsafeRawBufferPointer) {
        let separator = bytes.lastIndex(of: UInt8(ascii: ":"))
        let node = separator.map { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<$0]), as: UTF8.self) } ?? ""
        self.node = node
        if let separator, let number = Self.canonicalDecimal(UnsafeRawBufferPointer(rebasing: bytes[(separator + 1)...])) {
            self.member = .number(number)
        } else {
            self.member = .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The value of a decimal written the one way `String(UInt64)` writes it; nil for anything else
    /// ("", "007", "+7", "1e3", too large), so that the number turns back into the same string.
    static func canonicalDecimal(_ digits: UnsafeRawBufferPointer) -> UInt64? {
        guard let first = digits.first, first != UInt8(ascii: "0") || digits.count == 1 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            let (times10, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        return value
    }

    /// The id as received.
    public var description: String {
        switch self.member {
        case .number(let number): return "\(self.node):\(number)"
        case .text(let text): return text
        }
    }

    /// Appends the id's UTF-8 bytes, as received, without making a String of it.
    func appendUTF8(to bytes: inout [UInt8]) {
        switch self.member {
        case .number(let number):
            bytes.append(contentsOf: self.node.utf8)
            bytes.append(UInt8(ascii: ":"))
            Self.appendDecimal(number, to: &bytes)
        case .text(let text):
            bytes.append(contentsOf: text.utf8)
        }
    }

    /// The id's length in UTF-8 bytes.
    var utf8Count: Int {
        switch self.member {
        case .number(let number):
            var digits = 1
            var rest = number / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            return self.node.utf8.count + 1 + digits
        case .text(let text):
            return text.utf8.count
        }
    }

    private static func appendDecimal(_ number: UInt64, to bytes: inout [UInt8]) {
        let start = bytes.count
        var rest = number
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        bytes[start...].reverse()
    }
}
