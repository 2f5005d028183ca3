/// Errors the broker core reports to front ends; each protocol maps them to its own
/// error condition or reason code in exactly one place.
public struct BrokerError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The address does not exist and auto-create is off.
        case addressNotFound
        /// The queue does not exist.
        case queueNotFound
        /// The address or store is full under the `fail` policy (or the store reached max-size).
        case resourceLimitExceeded
        /// A name, pattern or request the broker cannot accept.
        case invalidArgument
        /// The queue or name already exists with another definition.
        case alreadyExists
        /// The store failed; the message was not accepted.
        case storeFailure
        /// The broker is shutting down.
        case shuttingDown
    }

    public let kind: Kind
    public let detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { self.detail }
}
