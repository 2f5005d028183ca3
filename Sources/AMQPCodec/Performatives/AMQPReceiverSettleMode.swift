/// When the receiver settles deliveries on a link (part 2.8.3).
public enum AMQPReceiverSettleMode: UInt8, Hashable, Sendable {
    /// The receiver settles spontaneously; the spec's default.
    case first = 0
    /// The receiver settles only after the sender settled (exactly-once style).
    case second = 1
}
