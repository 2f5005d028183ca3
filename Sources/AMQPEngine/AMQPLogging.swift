/// Metadata keys of AMQP engine log lines (CONVENTIONS: one enum, prefixed keys).
enum AMQPLogKey {
    static let connection = "outpost.connection"
    static let remoteAddress = "outpost.remote-address"
    static let containerID = "outpost.container-id"
    static let username = "outpost.user"
    static let link = "outpost.link"
    static let address = "outpost.address"
    static let error = "outpost.error"
}
