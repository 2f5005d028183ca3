/// Checks on Topic Names and Topic Filters (MQTT 5.0 section 4.7).
public enum MQTTTopic {
    private static let multiLevelWildcard = UInt8(ascii: "#")
    private static let singleLevelWildcard = UInt8(ascii: "+")
    private static let levelSeparator = UInt8(ascii: "/")

    /// Whether `name` may be the topic of a PUBLISH: no wildcard characters (MQTT-3.3.2-2).
    /// Emptiness is checked separately because MQTT 5.0 allows it together with a Topic Alias.
    public static func containsWildcard(_ name: String) -> Bool {
        let scan = { (byte: UInt8) in byte == Self.multiLevelWildcard || byte == Self.singleLevelWildcard }
        // Native strings are contiguous; scanning their buffer avoids the generic UTF-8 view iterator.
        return name.utf8.withContiguousStorageIfAvailable { $0.contains(where: scan) } ?? name.utf8.contains(where: scan)
    }

    /// Whether `filter` is a syntactically valid Topic Filter (section 4.7.1): not empty, `#` only as
    /// the whole last level, `+` only as a whole level. The codec leaves this to the engine because a
    /// bad filter earns a per-subscription SUBACK reason code (0x8F), not a closed connection.
    public static func isValidFilter(_ filter: String) -> Bool {
        let bytes = filter.utf8
        guard !bytes.isEmpty else {
            return false
        }
        var previous = Self.levelSeparator
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            let next = bytes.index(after: index)
            let nextByte: UInt8? = next == bytes.endIndex ? nil : bytes[next]
            switch byte {
            case Self.multiLevelWildcard:
                guard previous == Self.levelSeparator && nextByte == nil else {
                    return false
                }
            case Self.singleLevelWildcard:
                guard previous == Self.levelSeparator && (nextByte == nil || nextByte == Self.levelSeparator) else {
                    return false
                }
            default:
                break
            }
            previous = byte
            index = next
        }
        return true
    }
}
