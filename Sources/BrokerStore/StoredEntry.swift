/// One queue entry as read from the store: where it is and how often it was delivered.
public struct StoredEntry: Sendable, Equatable {
    public var key: EntryKey
    public var deliveryCount: UInt32

    public init(key: EntryKey, deliveryCount: UInt32) {
        self.key = key
        self.deliveryCount = deliveryCount
    }
}
