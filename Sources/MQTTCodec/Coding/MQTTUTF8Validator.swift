/// Checks the MQTT rules for UTF-8 Encoded Strings (MQTT 5.0 section 1.5.4): well-formed UTF-8 as
/// RFC 3629 defines it (which excludes surrogates and overlong forms) and no U+0000.
///
/// Written out rather than left to `String(validating:)` so one pass reports which rule failed.
enum MQTTUTF8Validator {
    enum Result {
        /// Also tells whether a topic wildcard (`+` or `#`) occurs, so a Topic Name needs no second pass.
        case valid(containsWildcard: Bool)
        case invalidUTF8
        case nullCharacter
    }

    private static let multiLevelWildcard = UInt8(ascii: "#")
    private static let singleLevelWildcard = UInt8(ascii: "+")

    private static let lowBitOfEachByte: UInt64 = 0x0101_0101_0101_0101
    private static let highBitOfEachByte: UInt64 = 0x8080_8080_8080_8080
    private static let multiLevelWildcards = UInt64(multiLevelWildcard) &* lowBitOfEachByte
    private static let singleLevelWildcards = UInt64(singleLevelWildcard) &* lowBitOfEachByte

    /// Whether any of the eight bytes is 0 (the classic SWAR test; exact for the yes/no answer).
    @inline(__always)
    private static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- Self.lowBitOfEachByte) & ~word & Self.highBitOfEachByte != 0
    }

    static func validate(_ bytes: UnsafeRawBufferPointer, allowNullCharacter: Bool = false) -> Result {
        var index = 0
        let count = bytes.count
        var sawNull = false
        var sawWildcard = false
        while index < count {
            // Eight ASCII bytes at a time: the common case for topics, client identifiers and names.
            if count - index >= 8 {
                let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if word & Self.highBitOfEachByte == 0 {
                    sawNull = sawNull || Self.hasZeroByte(word)
                    sawWildcard =
                        sawWildcard || Self.hasZeroByte(word ^ Self.multiLevelWildcards)
                        || Self.hasZeroByte(word ^ Self.singleLevelWildcards)
                    index += 8
                    continue
                }
            }
            let lead = bytes[index]
            if lead < 0x80 {
                sawNull = sawNull || lead == 0
                sawWildcard = sawWildcard || lead == Self.multiLevelWildcard || lead == Self.singleLevelWildcard
                index += 1
                continue
            }
            // Ranges of the second byte that RFC 3629 section 4 allows after each lead byte.
            let sequenceLength: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF:
                sequenceLength = 2
            case 0xE0:
                sequenceLength = 3
                secondLow = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF:
                sequenceLength = 3
            case 0xED:
                // 0xED 0xA0...0xBF would encode the surrogates U+D800...U+DFFF.
                sequenceLength = 3
                secondHigh = 0x9F
            case 0xF0:
                sequenceLength = 4
                secondLow = 0x90
            case 0xF1...0xF3:
                sequenceLength = 4
            case 0xF4:
                sequenceLength = 4
                secondHigh = 0x8F
            default:
                return .invalidUTF8
            }
            guard count - index >= sequenceLength else {
                return .invalidUTF8
            }
            let second = bytes[index + 1]
            guard second >= secondLow && second <= secondHigh else {
                return .invalidUTF8
            }
            var continuation = 2
            while continuation < sequenceLength {
                guard bytes[index + continuation] & 0xC0 == 0x80 else {
                    return .invalidUTF8
                }
                continuation += 1
            }
            index += sequenceLength
        }
        return sawNull && !allowNullCharacter ? .nullCharacter : .valid(containsWildcard: sawWildcard)
    }
}
