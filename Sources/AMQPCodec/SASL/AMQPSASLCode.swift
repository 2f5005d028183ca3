/// The result of a SASL exchange (part 5.3.3.6).
public enum AMQPSASLCode: UInt8, Hashable, Sendable {
    case ok = 0
    /// Authentication failed: bad credentials.
    case auth = 1
    /// A system error, unspecified.
    case sys = 2
    /// A permanent system error.
    case sysPerm = 3
    /// A transient system error; the client may retry.
    case sysTemp = 4
}
