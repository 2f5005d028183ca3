/// What the cloud peer said about one forwarded message.
public enum RemoteOutcome: Sendable, Equatable {
    /// Stored by the peer (AMQP accepted, MQTT PUBACK): the local copy may go.
    case accepted
    /// Refused for good (AMQP rejected): the message moves to the uplink's dead-letter queue.
    case rejected(reason: String)
    /// Not taken this time (AMQP released/modified): it stays for the next attempt.
    case notTaken
}
