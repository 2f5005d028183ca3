import AMQPCodec
import BrokerCore

/// The one place broker errors become AMQP error conditions (part 2.8.15).
public enum AMQPErrorMapping {
    public static func amqpError(for error: BrokerError) -> AMQPError {
        let condition: AMQPErrorCondition
        switch error.kind {
        case .addressNotFound, .queueNotFound: condition = .notFound
        case .resourceLimitExceeded: condition = .resourceLimitExceeded
        case .invalidArgument: condition = .invalidField
        case .alreadyExists: condition = .resourceLocked
        case .storeFailure: condition = .internalError
        case .shuttingDown: condition = .connectionForced
        }
        return AMQPError(condition: condition, description: error.detail)
    }

    /// Any error from resolving or publishing; non-broker errors are internal.
    public static func amqpError(for error: any Error) -> AMQPError {
        switch error {
        case let brokerError as BrokerError: return self.amqpError(for: brokerError)
        case let mapping as AMQPMessageMapping.MappingError: return mapping.error
        default: return AMQPError(condition: .internalError, description: "\(error)")
        }
    }
}
