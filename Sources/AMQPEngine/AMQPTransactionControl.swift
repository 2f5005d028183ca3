import AMQPCodec
import NIOCore

/// A message sent to the transaction coordinator (AMQP 1.0 part 4): its body is one amqp-value
/// holding a `declare` or a `discharge`.
enum AMQPTransactionControl: Equatable {
    /// Start a transaction. A global id asks for a distributed one, which is not supported.
    case declare(isDistributed: Bool)
    /// End one: `fail` false commits, true rolls back.
    case discharge(transactionID: ByteBuffer, fail: Bool)

    /// Capabilities a coordinator link may ask for that Outpost does not offer.
    static let unsupportedCapabilities: Set<String> = [
        "amqp:distributed-transactions", "amqp:promotable-transactions", "amqp:multi-txns-per-ssn", "amqp:multi-ssns-per-txn",
    ]
    static let localTransactions = "amqp:local-transactions"

    init(message: ByteBuffer) throws(AMQPError) {
        let body: AMQPMessageBody
        do {
            body = try AMQPEncodedMessage(parsing: message).decodeBody()
        } catch {
            throw AMQPError(condition: .decodeError, description: "coordinator message: \(error)")
        }
        guard case .value(let value) = body, case .described(_, let content) = value, case .list(let fields) = content else {
            throw AMQPError(condition: .decodeError, description: "a coordinator message holds one amqp-value with a declare or a discharge")
        }
        switch value.descriptorCode {
        case AMQPDescriptor.declare:
            let globalID = fields.first ?? .null
            self = .declare(isDistributed: globalID != .null)
        case AMQPDescriptor.discharge:
            guard case .binary(let transactionID) = fields.first ?? .null else {
                throw AMQPError(condition: .invalidField, description: "discharge: txn-id is mandatory (binary)")
            }
            let failField = fields.count > 1 ? fields[1] : .null
            if case .boolean(let fail) = failField {
                self = .discharge(transactionID: transactionID, fail: fail)
            } else if failField == .null {
                self = .discharge(transactionID: transactionID, fail: false)
            } else {
                throw AMQPError(condition: .invalidField, description: "discharge: fail must be a boolean")
            }
        default:
            throw AMQPError(condition: .decodeError, description: "a coordinator message holds a declare or a discharge")
        }
    }
}
