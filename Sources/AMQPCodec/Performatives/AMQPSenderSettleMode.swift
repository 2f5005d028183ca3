/// How the sender settles deliveries on a link (part 2.8.2).
public enum AMQPSenderSettleMode: UInt8, Hashable, Sendable {
    /// Deliveries are sent unsettled.
    case unsettled = 0
    /// Deliveries are sent settled (at-most-once).
    case settled = 1
    /// The sender chooses per delivery; the spec's default.
    case mixed = 2
}
