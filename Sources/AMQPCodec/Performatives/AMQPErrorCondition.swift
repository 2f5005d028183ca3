/// The symbolic condition of an `AMQPError` (part 2.8.15 to 2.8.18). An open set: peers may send
/// conditions this type has no constant for.
public struct AMQPErrorCondition: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public static let internalError: Self = "amqp:internal-error"
    public static let notFound: Self = "amqp:not-found"
    public static let unauthorizedAccess: Self = "amqp:unauthorized-access"
    public static let decodeError: Self = "amqp:decode-error"
    public static let resourceLimitExceeded: Self = "amqp:resource-limit-exceeded"
    public static let notAllowed: Self = "amqp:not-allowed"
    public static let invalidField: Self = "amqp:invalid-field"
    public static let notImplemented: Self = "amqp:not-implemented"
    public static let resourceLocked: Self = "amqp:resource-locked"
    public static let preconditionFailed: Self = "amqp:precondition-failed"
    public static let resourceDeleted: Self = "amqp:resource-deleted"
    public static let illegalState: Self = "amqp:illegal-state"
    public static let frameSizeTooSmall: Self = "amqp:frame-size-too-small"
    public static let connectionForced: Self = "amqp:connection:forced"
    public static let connectionFramingError: Self = "amqp:connection:framing-error"
    public static let connectionRedirect: Self = "amqp:connection:redirect"
    public static let sessionWindowViolation: Self = "amqp:session:window-violation"
    public static let sessionErrantLink: Self = "amqp:session:errant-link"
    public static let sessionHandleInUse: Self = "amqp:session:handle-in-use"
    public static let sessionUnattachedHandle: Self = "amqp:session:unattached-handle"
    public static let linkDetachForced: Self = "amqp:link:detach-forced"
    public static let linkTransferLimitExceeded: Self = "amqp:link:transfer-limit-exceeded"
    public static let linkMessageSizeExceeded: Self = "amqp:link:message-size-exceeded"
    public static let linkRedirect: Self = "amqp:link:redirect"
    public static let linkStolen: Self = "amqp:link:stolen"
    /// Transactions (part 4.5.4): the id is not known, the transaction was rolled back, it timed out.
    public static let transactionUnknownID: Self = "amqp:transaction:unknown-id"
    public static let transactionRollback: Self = "amqp:transaction:rollback"
    public static let transactionTimeout: Self = "amqp:transaction:timeout"
}
