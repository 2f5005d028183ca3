import BrokerCore
import BrokerStore
import Logging
import MQTTCodec
import MessageMapping
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// What every MQTT connection of one broker shares: persistent sessions, retained messages, the
/// connected client ids (for takeover), delayed wills and shared-subscription membership.
///
/// Created lazily per `Broker` (``shared(for:)``). Its state is loaded from the store once, on a
/// thread pool (``whenLoaded(on:)``), and kept in memory afterwards; every change is written through
/// to the store, so no connection ever reads LMDB on an event loop.
final class MQTTSessionRegistry: @unchecked Sendable {
    // @unchecked: every `var` below is only accessed with `lock` held. The lock is never held while
    // calling into the broker, a queue, the store or a connection (lock order: registry → nothing).

    let broker: Broker
    private let logger: Logger
    private let lock = NIOLock()
    private var loadState: LoadState = .notLoaded
    private var sessions: [String: MQTTPersistedSession] = [:]
    /// Packet ids per client: incoming QoS 2 awaiting PUBREL, outgoing QoS 2 awaiting PUBCOMP.
    private var incomingPacketIDs: [String: Set<UInt16>] = [:]
    private var outgoingPacketIDs: [String: Set<UInt16>] = [:]
    private var retained: [String: RetainedMessage] = [:]
    private var active: [String: MQTTConnectionHandle] = [:]
    private var pendingWills: [String: Scheduled<Void>] = [:]
    private var expiryTimers: [String: Scheduled<Void>] = [:]
    private var shareMembers: [String: Int] = [:]

    private enum LoadState {
        case notLoaded
        case loading(EventLoopFuture<Void>)
        case loaded
    }

    struct RetainedMessage: Sendable {
        var topic: String
        var body: MQTTStoredBody
        /// ms since 1970; nil: never.
        var expiration: Int64?
    }

    /// What a connecting client gets back from ``attach``.
    struct AttachResult: Sendable {
        var sessionPresent: Bool
        var subscriptions: [MQTTPersistedSession.Subscription]
        var incomingPacketIDs: Set<UInt16>
        var outgoingPacketIDs: Set<UInt16>
        /// PUBLISHes to send again with these packet ids when their messages come back.
        var unacknowledged: [MQTTPersistedSession.UnacknowledgedDelivery] = []
    }

    init(broker: Broker, logger: Logger) {
        self.broker = broker
        self.logger = logger
    }

    // MARK: One registry per broker

    private struct Entry {
        weak var broker: Broker?
        var registry: MQTTSessionRegistry
    }

    private static let registries = NIOLockedValueBox<[ObjectIdentifier: Entry]>([:])

    static func shared(for broker: Broker, logger: Logger) -> MQTTSessionRegistry {
        self.registries.withLockedValue { registries in
            registries = registries.filter { $0.value.broker != nil }
            let key = ObjectIdentifier(broker)
            if let entry = registries[key], entry.broker === broker {
                return entry.registry
            }
            let registry = MQTTSessionRegistry(broker: broker, logger: logger)
            registries[key] = Entry(broker: broker, registry: registry)
            return registry
        }
    }

    // MARK: Loading

    /// Completes once sessions and retained messages are in memory (read once on a thread pool).
    func whenLoaded(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let future: EventLoopFuture<Void>? = self.lock.withLock {
            switch self.loadState {
            case .loaded:
                return nil
            case .loading(let future):
                return future
            case .notLoaded:
                let future = NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) { [self] in
                    try self.load(eventLoop: eventLoop)
                }
                self.loadState = .loading(future)
                return future
            }
        }
        guard let future else { return eventLoop.makeSucceededVoidFuture() }
        return future.hop(to: eventLoop)
    }

    private func load(eventLoop: any EventLoop) throws {
        let (sessionRecords, retainedRecords) = try self.broker.store.read { reader in
            (try reader.records(.mqttSessions), try reader.records(.retained))
        }
        var sessions: [String: MQTTPersistedSession] = [:]
        var incoming: [String: Set<UInt16>] = [:]
        var outgoing: [String: Set<UInt16>] = [:]
        for (key, value) in sessionRecords {
            if key.starts(with: Array("s/".utf8)) {
                let clientID = String(decoding: key.dropFirst(2), as: UTF8.self)
                if let session = MQTTPersistedSession(clientID: clientID, bytes: value) {
                    sessions[clientID] = session
                }
            } else if let parsed = MQTTPersistedSession.parsePacketKey(key) {
                if parsed.incoming {
                    incoming[parsed.clientID, default: []].insert(parsed.packetID)
                } else {
                    outgoing[parsed.clientID, default: []].insert(parsed.packetID)
                }
            }
        }
        var retained: [String: RetainedMessage] = [:]
        for (key, value) in retainedRecords {
            var buffer = ByteBuffer(bytes: value)
            guard let expiration = buffer.readInteger(as: Int64.self),
                let body = try? MQTTStoredBody(decoding: buffer)
            else { continue }
            let topic = String(decoding: key, as: UTF8.self)
            retained[topic] = RetainedMessage(topic: topic, body: body, expiration: expiration < 0 ? nil : expiration)
        }
        let now = self.broker.clock.now()
        self.lock.withLock {
            self.sessions = sessions
            self.incomingPacketIDs = incoming
            self.outgoingPacketIDs = outgoing
            self.retained = retained
            self.loadState = .loaded
        }
        // Sessions that were connected when the broker stopped count as disconnected now.
        for session in sessions.values where self.lock.withLock({ self.active[session.clientID] == nil }) {
            var session = session
            if session.disconnectedAt == 0 { session.disconnectedAt = now }
            self.scheduleExpiry(of: session, now: now, eventLoop: eventLoop)
        }
        self.logger.debug("mqtt sessions loaded", metadata: ["outpost.count": "\(sessions.count)", "outpost.retained": "\(retained.count)"])
    }

    // MARK: Connect and disconnect

    /// Makes `handle` the connection of `clientID`: an existing connection with that id is taken over
    /// (it disconnects with 0x8E and finishes its cleanup first), a delayed will or pending expiry of
    /// the id is cancelled, and the stored session is discarded (`cleanStart`) or handed back.
    func attach(
        clientID: String,
        handle: MQTTConnectionHandle,
        cleanStart: Bool,
        persistentExpiry: UInt32?,
        eventLoop: any EventLoop
    ) -> EventLoopFuture<AttachResult> {
        let previous: MQTTConnectionHandle? = self.lock.withLock {
            let previous = self.active[clientID]
            self.active[clientID] = handle
            self.pendingWills.removeValue(forKey: clientID)?.cancel()
            self.expiryTimers.removeValue(forKey: clientID)?.cancel()
            return previous
        }
        guard let previous else {
            return eventLoop.makeSucceededFuture(self.resume(clientID: clientID, cleanStart: cleanStart, persistentExpiry: persistentExpiry))
        }
        self.logger.debug("mqtt session taken over", metadata: ["outpost.client": "\(clientID)"])
        previous.takeOver()
        return previous.closed.hop(to: eventLoop).map {
            self.resume(clientID: clientID, cleanStart: cleanStart, persistentExpiry: persistentExpiry)
        }
    }

    private func resume(clientID: String, cleanStart: Bool, persistentExpiry: UInt32?) -> AttachResult {
        var operations: [StoreOperation] = []
        var queuesToDelete: [String] = []
        let result: AttachResult = self.lock.withLock {
            let existing = self.sessions[clientID]
            var kept = existing
            if cleanStart, let existing {
                queuesToDelete = existing.subscriptions.filter { !$0.filter.hasPrefix("$share/") }.map(\.queueName)
                operations += self.forgetLocked(clientID: clientID)
                kept = nil
            }
            let result = AttachResult(
                sessionPresent: kept != nil,
                subscriptions: kept?.subscriptions ?? [],
                incomingPacketIDs: kept == nil ? [] : self.incomingPacketIDs[clientID] ?? [],
                outgoingPacketIDs: kept == nil ? [] : self.outgoingPacketIDs[clientID] ?? [],
                unacknowledged: kept?.unacknowledged ?? []
            )
            if let persistentExpiry {
                let session = MQTTPersistedSession(
                    clientID: clientID,
                    expiryInterval: persistentExpiry,
                    disconnectedAt: 0,
                    subscriptions: kept?.subscriptions ?? [],
                    unacknowledged: kept?.unacknowledged ?? []
                )
                self.sessions[clientID] = session
                operations.append(.putRecord(.mqttSessions, key: MQTTPersistedSession.sessionKey(clientID), value: session.encoded()))
            }
            return result
        }
        self.deleteQueues(queuesToDelete)
        if !operations.isEmpty { self.submit(operations) }
        return result
    }

    /// Removes a stored session and its packet-id records from memory; returns the store operations.
    private func forgetLocked(clientID: String) -> [StoreOperation] {
        var operations: [StoreOperation] = []
        if self.sessions.removeValue(forKey: clientID) != nil {
            operations.append(.deleteRecord(.mqttSessions, key: MQTTPersistedSession.sessionKey(clientID)))
        }
        for packetID in self.incomingPacketIDs.removeValue(forKey: clientID) ?? [] {
            operations.append(.deleteRecord(.mqttSessions, key: MQTTPersistedSession.packetKey(incoming: true, clientID: clientID, packetID: packetID)))
        }
        for packetID in self.outgoingPacketIDs.removeValue(forKey: clientID) ?? [] {
            operations.append(.deleteRecord(.mqttSessions, key: MQTTPersistedSession.packetKey(incoming: false, clientID: clientID, packetID: packetID)))
        }
        return operations
    }

    /// The connection of `clientID` ended. A persistent session is kept (with its expiry timer
    /// started, and the packet ids of the PUBLISHes the client had not acknowledged); otherwise it
    /// and its stored state are removed.
    func detach(
        clientID: String,
        connectionID: UInt64,
        persistentExpiry: UInt32?,
        unacknowledged: [MQTTPersistedSession.UnacknowledgedDelivery] = [],
        eventLoop: any EventLoop
    ) {
        let now = self.broker.clock.now()
        var operations: [StoreOperation] = []
        var queuesToDelete: [String] = []
        let session: MQTTPersistedSession? = self.lock.withLock {
            guard self.active[clientID]?.id == connectionID else {
                return nil  // taken over: the new connection owns the session now
            }
            self.active[clientID] = nil
            if let persistentExpiry, var session = self.sessions[clientID] {
                session.expiryInterval = persistentExpiry
                session.disconnectedAt = now
                session.unacknowledged = unacknowledged
                self.sessions[clientID] = session
                operations.append(.putRecord(.mqttSessions, key: MQTTPersistedSession.sessionKey(clientID), value: session.encoded()))
                return session
            }
            if let existing = self.sessions[clientID] {
                queuesToDelete = existing.subscriptions.filter { !$0.filter.hasPrefix("$share/") }.map(\.queueName)
            }
            operations += self.forgetLocked(clientID: clientID)
            return nil
        }
        self.deleteQueues(queuesToDelete)
        if !operations.isEmpty { self.submit(operations) }
        if let session {
            self.scheduleExpiry(of: session, now: now, eventLoop: eventLoop)
        }
    }

    /// Whether `connectionID` is still the connection of `clientID` (false once taken over).
    func isCurrent(clientID: String, connectionID: UInt64) -> Bool {
        self.lock.withLock { self.active[clientID]?.id == connectionID }
    }

    private func scheduleExpiry(of session: MQTTPersistedSession, now: Int64, eventLoop: any EventLoop) {
        guard session.expiryInterval != MQTTPersistedSession.neverExpires else { return }
        let deadline = session.disconnectedAt + Int64(session.expiryInterval) * 1000
        let delay = TimeAmount.milliseconds(max(0, deadline - now))
        let clientID = session.clientID
        let disconnectedAt = session.disconnectedAt
        let task = eventLoop.scheduleTask(in: delay) { [self] in
            self.expire(clientID: clientID, disconnectedAt: disconnectedAt)
        }
        self.lock.withLock {
            self.expiryTimers.removeValue(forKey: clientID)?.cancel()
            self.expiryTimers[clientID] = task
        }
    }

    private func expire(clientID: String, disconnectedAt: Int64) {
        var queuesToDelete: [String] = []
        let (operations, will): ([StoreOperation], Scheduled<Void>?) = self.lock.withLock {
            guard self.active[clientID] == nil, let session = self.sessions[clientID], session.disconnectedAt == disconnectedAt else {
                return ([], nil)
            }
            self.expiryTimers[clientID] = nil
            queuesToDelete = session.subscriptions.filter { !$0.filter.hasPrefix("$share/") }.map(\.queueName)
            return (self.forgetLocked(clientID: clientID), self.pendingWills.removeValue(forKey: clientID))
        }
        guard !operations.isEmpty else { return }
        self.logger.debug("mqtt session expired", metadata: ["outpost.client": "\(clientID)"])
        self.deleteQueues(queuesToDelete)
        self.submit(operations)
        // A will delayed past the end of the session is published when the session ends.
        if let will {
            will.cancel()
            self.firePendingWill(clientID: clientID)
        }
    }

    // MARK: Session contents

    /// Replaces the stored subscriptions of a persistent session.
    func saveSubscriptions(clientID: String, _ subscriptions: [MQTTPersistedSession.Subscription]) {
        let operation: StoreOperation? = self.lock.withLock {
            guard var session = self.sessions[clientID] else { return nil }
            session.subscriptions = subscriptions
            self.sessions[clientID] = session
            return .putRecord(.mqttSessions, key: MQTTPersistedSession.sessionKey(clientID), value: session.encoded())
        }
        if let operation { self.submit([operation]) }
    }

    /// Records (in memory; the caller commits `operation`) that a QoS 2 packet id is held or released.
    func packetIDChanged(clientID: String, incoming: Bool, packetID: UInt16, held: Bool) -> StoreOperation {
        let key = MQTTPersistedSession.packetKey(incoming: incoming, clientID: clientID, packetID: packetID)
        self.lock.withLock {
            if incoming {
                if held { self.incomingPacketIDs[clientID, default: []].insert(packetID) } else { self.incomingPacketIDs[clientID]?.remove(packetID) }
            } else {
                if held { self.outgoingPacketIDs[clientID, default: []].insert(packetID) } else { self.outgoingPacketIDs[clientID]?.remove(packetID) }
            }
        }
        return held ? .putRecord(.mqttSessions, key: key, value: []) : .deleteRecord(.mqttSessions, key: key)
    }

    // MARK: Shared subscriptions

    func joinShare(queueName: String) {
        self.lock.withLock { self.shareMembers[queueName, default: 0] += 1 }
    }

    /// A member left; deletes a non-durable group queue when it was the last member.
    func leaveShare(queueName: String) {
        let last = self.lock.withLock {
            let count = (self.shareMembers[queueName] ?? 1) - 1
            self.shareMembers[queueName] = count > 0 ? count : nil
            return count <= 0
        }
        if last, let queue = self.broker.queue(named: queueName), !queue.isDurable {
            try? self.broker.deleteQueue(named: queueName)
        }
    }

    // MARK: Retained messages

    /// The retained messages matching `filter`, not expired at `now`.
    func retainedMessages(matching filter: String, now: Int64) -> [RetainedMessage] {
        let pattern = TopicFilter(filter)
        return self.lock.withLock {
            self.retained.values.filter { message in
                (message.expiration.map { $0 > now } ?? true) && pattern.matches(message.topic)
            }
        }.sorted { $0.topic < $1.topic }
    }

    /// Store operations that set (non-empty payload) or clear (empty payload) the retained message of
    /// `topic`; memory is updated at once.
    func retainOperation(topic: String, body: MQTTStoredBody, expiration: Int64?) -> StoreOperation {
        let key = Array(topic.utf8)
        if body.payload.readableBytes == 0 {
            self.lock.withLock { _ = self.retained.removeValue(forKey: topic) }
            return .deleteRecord(.retained, key: key)
        }
        var stored = body
        stored.payload = ByteBuffer(buffer: body.payload)  // own the bytes, not a slice of a read buffer
        self.lock.withLock { self.retained[topic] = RetainedMessage(topic: topic, body: stored, expiration: expiration) }
        var value = ByteBuffer()
        value.writeInteger(expiration ?? -1)
        stored.encode(into: &value)
        return .putRecord(.retained, key: key, value: Array(value.readableBytesView))
    }

    // MARK: Publishing (connections and wills)

    /// Publishes an MQTT message: updates the retained message when `retain` is set, then hands the
    /// message to the broker (durable for QoS 1 and 2), committing `additionalOperations` with it.
    func publish(
        topic: String,
        body: MQTTStoredBody,
        expiration: Int64?,
        additionalOperations: [StoreOperation] = [],
        onWindowFull: ((Queue) -> Void)? = nil,
        earlyAdmissions: EarlyAdmissions? = nil,
        completion: @escaping @Sendable (Result<Void, BrokerError>) -> Void
    ) {
        var operations = additionalOperations
        if body.retain {
            operations.insert(self.retainOperation(topic: topic, body: body, expiration: expiration), at: 0)
        }
        let message = IncomingMessage(
            address: topic,
            isDurable: body.qos != .atMostOnce,
            expiration: expiration,
            origin: .mqtt,
            body: body.encoded()
        )
        self.broker.publish(message, autoCreateAs: .multicast, additionalOperations: operations, onWindowFull: onWindowFull, earlyAdmissions: earlyAdmissions, completion: completion)
    }

    // MARK: Wills

    private var willMessages: [String: (will: MQTTWill, clientID: String)] = [:]

    /// Publishes `will` now, or after `delay` seconds unless the client reconnects first.
    func scheduleWill(_ will: MQTTWill, clientID: String, delay: UInt32, eventLoop: any EventLoop) {
        guard delay > 0 else {
            return self.publishWill(will, clientID: clientID)
        }
        let task = eventLoop.scheduleTask(in: .seconds(Int64(delay))) { [self] in
            let due = self.lock.withLock { self.pendingWills.removeValue(forKey: clientID) != nil }
            if due { self.firePendingWill(clientID: clientID) }
        }
        self.lock.withLock {
            self.pendingWills.removeValue(forKey: clientID)?.cancel()
            self.pendingWills[clientID] = task
            self.willMessages[clientID] = (will, clientID)
        }
    }

    private func firePendingWill(clientID: String) {
        guard let entry = self.lock.withLock({ self.willMessages.removeValue(forKey: clientID) }) else { return }
        self.publishWill(entry.will, clientID: clientID)
    }

    func publishWill(_ will: MQTTWill, clientID: String) {
        let now = self.broker.clock.now()
        var body = MQTTStoredBody(payload: will.payload, retain: will.retain, qos: will.qos)
        body.payloadFormatIndicator = will.properties.payloadFormatIndicator
        body.contentType = will.properties.contentType
        body.responseTopic = will.properties.responseTopic
        body.correlationData = will.properties.correlationData
        body.userProperties = will.properties.userProperties
        body.publisherClientID = clientID
        let expiration = will.properties.messageExpiryInterval.map { now + Int64($0) * 1000 }
        let logger = self.logger
        self.publish(topic: will.topicName, body: body, expiration: expiration) { result in
            if case .failure(let error) = result {
                logger.info("mqtt will not published", metadata: ["outpost.client": "\(clientID)", "outpost.error": "\(error)"])
            }
        }
    }

    // MARK: Helpers

    private func deleteQueues(_ names: [String]) {
        for name in names where self.broker.queue(named: name) != nil {
            try? self.broker.deleteQueue(named: name)
        }
    }

    private func submit(_ operations: [StoreOperation]) {
        let logger = self.logger
        self.broker.store.submit(operations) { result in
            if case .failure(let error) = result {
                logger.error("mqtt session store update failed", metadata: ["outpost.error": "\(error)"])
            }
        }
    }
}

/// What the registry knows of a live connection: how to take it over and when it has finished.
struct MQTTConnectionHandle: Sendable {
    var id: UInt64
    /// Disconnects the connection with "session taken over" (0x8E in MQTT 5); any thread.
    var takeOver: @Sendable () -> Void
    /// Succeeds once the connection has closed and released its session.
    var closed: EventLoopFuture<Void>
}
