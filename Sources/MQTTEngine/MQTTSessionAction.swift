import BrokerStore
import MQTTCodec
import MessageMapping
import NIOCore

/// What the session state machine asks its channel handler to do, in order.
enum MQTTSessionAction {
    /// Write a packet (the handler flushes at the end of the read batch or delivery batch).
    case send(MQTTPacket)
    /// Check the credentials (off the event loop), then call `authenticationCompleted`.
    case authenticate(username: String, password: ByteBuffer?)
    /// Claim the client id (taking over another connection), restore or discard the stored session,
    /// then call `sessionAttached`.
    case attachSession(MQTTSessionRequest)
    /// Close the connection when nothing is received for 1.5 × this many seconds (0: never).
    case startKeepAlive(seconds: UInt16)
    // Boxed (`indirect`, also `close` and `endSession`): inline, the publication (144 bytes) made
    // every action as large. Deliveries make three actions per message (send, acknowledge,
    // credit), so a batch of a few hundred was a 148 KiB array — past malloc's mmap threshold,
    // mapped and unmapped, page by page, for each batch. Boxed, an action takes 56 bytes.
    /// Hand a message to the broker; call `publishCommitted` with the outcome when `packetID` is set.
    indirect case publish(MQTTIncomingPublication)
    /// Attach consumers to the queues of subscriptions restored with the session.
    case resumeSubscriptions([MQTTActiveSubscription], credit: Int)
    /// Create (or keep) the queue of each request and a consumer on it, look up retained messages,
    /// then call `subscriptionsCreated`.
    case subscribe(packetID: UInt16, [MQTTSubscriptionRequest], credit: Int)
    /// Close the consumers of these subscriptions and drop their queues unless they outlive the client.
    case unsubscribe([MQTTActiveSubscription], persistent: Bool)
    /// Settle a delivery with the broker: the client has it (QoS 0 sent, PUBACK, PUBREC, dropped).
    case acknowledge(subscriptionID: Int, EntryKey)
    /// Give a subscription's consumer more credit (a slot of the client's window is free again).
    case grantCredit(subscriptionID: Int, Int)
    /// Commit that a QoS 2 packet id is held (or released), for exactly-once across restarts.
    case storePacketID(incoming: Bool, packetID: UInt16, held: Bool)
    /// Store the subscriptions of a persistent session.
    case saveSubscriptions([MQTTPersistedSession.Subscription])
    /// Send `packet` (if any, a CONNACK refusal or a DISCONNECT), then close. `reason` is for the log.
    indirect case close(MQTTPacket?, reason: String)
    /// The connection is gone: release everything (see ``MQTTSessionEnd``).
    indirect case endSession(MQTTSessionEnd)
}

struct MQTTSessionRequest: Sendable {
    var clientID: String
    var cleanStart: Bool
    /// nil: the session ends with the connection; else its expiry interval in seconds.
    var persistentExpiry: UInt32?
}

/// A PUBLISH from the client, resolved and ready for the broker.
struct MQTTIncomingPublication {
    var topic: String
    var body: MQTTStoredBody
    /// ms since 1970.
    var expiration: Int64?
    /// Set for QoS 1 and 2: the outcome goes back to the machine.
    var packetID: UInt16?
    /// QoS 2 in a persistent session: commit the packet id with the message.
    var storesPacketID: Bool
    /// QoS 0: held while a subscription's window is full and consumed (see `Broker.publish`),
    /// until it has waited `MQTTServerSettings.windowWaitLimit` once.
    var mayWaitForRoom = true
}

struct MQTTActiveSubscription: Hashable, Sendable {
    var id: Int
    /// As the client wrote it (with `$share/GROUP/` when shared).
    var filter: String
    /// The filter that binds the queue (without the share prefix).
    var routingFilter: String
    var queueName: String
    var options: MQTTSubscriptionOptions
    var subscriptionIdentifier: Int?
    var isShared: Bool
    var isDurable: Bool

    var persisted: MQTTPersistedSession.Subscription {
        MQTTPersistedSession.Subscription(filter: self.filter, queueName: self.queueName, options: self.options, subscriptionIdentifier: self.subscriptionIdentifier)
    }
}

struct MQTTSubscriptionRequest: Sendable {
    var subscription: MQTTActiveSubscription
    /// False when the client already had this filter: the queue and consumer stay.
    var isNew: Bool
}

/// What the handler found for one subscription request.
enum MQTTSubscriptionOutcome: Sendable {
    case created(retained: [MQTTSessionRegistry.RetainedMessage])
    case failed(MQTTReasonCode)
}

/// Everything the handler releases when a connection ends.
struct MQTTSessionEnd {
    var clientID: String
    var persistentExpiry: UInt32?
    var subscriptions: [MQTTActiveSubscription]
    /// The will to publish (abnormal end), and its delay in seconds.
    var will: MQTTWill?
    var willDelay: UInt32
    var takenOver: Bool
    /// QoS 1/2 PUBLISHes in flight, to send again with the same packet ids (persistent sessions).
    var unacknowledged: [MQTTPersistedSession.UnacknowledgedDelivery] = []
}
