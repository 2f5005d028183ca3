import BrokerCore
import MQTTCodec

/// The one place where broker errors become MQTT reason codes (for PUBACK, PUBREC, SUBACK and
/// DISCONNECT; MQTT 3.1.1 turns failures into 0x80 in SUBACK or a closed connection).
enum MQTTErrorMapping {
    static func reasonCode(for error: BrokerError) -> MQTTReasonCode {
        switch error.kind {
        case .resourceLimitExceeded: return .quotaExceeded
        case .addressNotFound, .queueNotFound: return .notAuthorized
        case .invalidArgument: return .topicNameInvalid
        case .alreadyExists: return .implementationSpecificError
        case .storeFailure, .shuttingDown: return .unspecifiedError
        }
    }

    /// For SUBACK, where 0x90 (topic name invalid) is not allowed.
    static func subscribeReasonCode(for error: BrokerError) -> MQTTReasonCode {
        let code = self.reasonCode(for: error)
        return code == .topicNameInvalid ? .topicFilterInvalid : code
    }
}
