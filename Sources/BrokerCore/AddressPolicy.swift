/// What an address does with its messages: limits, what happens when full, redelivery
/// and expiry. Declared per address pattern in the configuration.
public struct AddressPolicy: Sendable, Equatable {
    /// What a publish to a full address does.
    public enum FullPolicy: String, Sendable, Codable {
        /// Producers are flow-controlled (no credit / no reading) until there is room.
        case block
        /// The publish is refused with a resource-limit error.
        case fail
        /// The oldest ready messages are removed to make room.
        case dropOldest = "drop-oldest"
    }

    /// Maximum messages per queue of the address; nil = unlimited.
    public var maxMessages: Int?
    /// Maximum bytes per queue of the address; nil = unlimited.
    public var maxBytes: Int?
    public var fullPolicy: FullPolicy
    /// Priority of messages that do not carry one.
    public var defaultPriority: UInt8
    /// Milliseconds; applied to messages without an expiration. nil = never.
    public var defaultTimeToLive: Int64?
    /// After this many delivery attempts a message goes to the dead-letter address.
    public var maxDeliveryAttempts: Int
    /// nil: messages past `maxDeliveryAttempts` or rejected are dropped (and logged).
    public var deadLetterAddress: String?
    /// nil: expired messages are dropped.
    public var expiryAddress: String?

    public init(
        maxMessages: Int? = nil,
        maxBytes: Int? = nil,
        fullPolicy: FullPolicy = .fail,
        defaultPriority: UInt8 = 4,
        defaultTimeToLive: Int64? = nil,
        maxDeliveryAttempts: Int = 10,
        deadLetterAddress: String? = "DLQ",
        expiryAddress: String? = "ExpiryQueue"
    ) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
        self.fullPolicy = fullPolicy
        self.defaultPriority = defaultPriority
        self.defaultTimeToLive = defaultTimeToLive
        self.maxDeliveryAttempts = maxDeliveryAttempts
        self.deadLetterAddress = deadLetterAddress
        self.expiryAddress = expiryAddress
    }
}
