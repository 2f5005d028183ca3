import BrokerCore
import BrokerStore
import DequeModule

/// The uplink's logic, without I/O: connection lifecycle with backoff, the window of
/// transfers in flight, the bandwidth cap, and what happens to each message on each
/// outcome. The owner feeds events and performs the returned actions.
struct UplinkStateMachine {
    enum ConnectionState: Equatable {
        case idle
        case connecting
        case connected(since: Int64)
        case waitingToReconnect
        case paused
        case stopped
    }

    enum Action: Equatable {
        case connect
        case scheduleReconnect(after: Duration)
        case cancelReconnect
        case disconnect
        /// Give the forwarding queue's consumer this much credit in total.
        case setConsumerCredit(Int)
        /// A transfer slot freed: one more message may come from the queue.
        case addConsumerCredit(Int)
        case send(Delivery)
        /// Try sending held messages again after this long (bandwidth cap).
        case scheduleSendRetry(afterMilliseconds: Int64)
        case acknowledge([EntryKey])
        case release([EntryKey])
        case deadLetter(Delivery, reason: String)

        static func == (lhs: Action, rhs: Action) -> Bool {
            switch (lhs, rhs) {
            case (.connect, .connect), (.cancelReconnect, .cancelReconnect), (.disconnect, .disconnect): true
            case (.scheduleReconnect(let a), .scheduleReconnect(let b)): a == b
            case (.setConsumerCredit(let a), .setConsumerCredit(let b)): a == b
            case (.addConsumerCredit(let a), .addConsumerCredit(let b)): a == b
            case (.send(let a), .send(let b)): a.key == b.key
            case (.scheduleSendRetry(let a), .scheduleSendRetry(let b)): a == b
            case (.acknowledge(let a), .acknowledge(let b)): a == b
            case (.release(let a), .release(let b)): a == b
            case (.deadLetter(let a, let x), .deadLetter(let b, let y)): a.key == b.key && x == y
            default: false
            }
        }
    }

    let window: Int
    private(set) var state: ConnectionState = .idle
    private var backoff: ReconnectBackoff
    private var bandwidth: TokenBucket?
    /// Sent and waiting for the peer's outcome.
    private(set) var inFlight: [EntryKey: Delivery] = [:]
    /// Delivered by the queue, held back by the bandwidth cap.
    private var held = Deque<Delivery>()
    private var sendRetryScheduled = false

    private(set) var lastError: String?
    private(set) var acceptedTotal = 0
    private(set) var rejectedTotal = 0
    private(set) var acceptedBytesTotal = 0

    init(window: Int, backoff: ReconnectBackoff, bandwidthLimit: Int, now: Int64) {
        self.window = max(1, window)
        self.backoff = backoff
        self.bandwidth = bandwidthLimit > 0 ? TokenBucket(bytesPerSecond: bandwidthLimit, now: now) : nil
    }

    // MARK: Lifecycle

    mutating func started() -> [Action] {
        guard case .idle = self.state else { return [] }
        self.state = .connecting
        return [.setConsumerCredit(0), .connect]
    }

    mutating func connectSucceeded(now: Int64) -> [Action] {
        guard case .connecting = self.state else {
            // Paused or stopped while connecting: drop the new connection.
            return [.disconnect]
        }
        self.state = .connected(since: now)
        self.backoff.reset()
        self.lastError = nil
        return [.setConsumerCredit(self.window)]
    }

    mutating func connectFailed(error: String, random: () -> Double) -> [Action] {
        self.lastError = error
        guard case .connecting = self.state else { return [] }
        self.state = .waitingToReconnect
        return [.scheduleReconnect(after: self.backoff.nextDelay(random: random))]
    }

    /// The connection broke: everything unsettled stays queued for the next attempt.
    mutating func connectionLost(error: String, random: () -> Double) -> [Action] {
        self.lastError = error
        var actions = self.returnUnsettled()
        switch self.state {
        case .connected, .connecting:
            self.state = .waitingToReconnect
            actions.append(.scheduleReconnect(after: self.backoff.nextDelay(random: random)))
        case .idle, .waitingToReconnect, .paused, .stopped:
            break
        }
        return actions
    }

    mutating func reconnectTimerFired() -> [Action] {
        guard case .waitingToReconnect = self.state else { return [] }
        self.state = .connecting
        return [.connect]
    }

    /// `outpost uplink flush`: retry now instead of waiting for the backoff.
    mutating func flushRequested() -> [Action] {
        switch self.state {
        case .waitingToReconnect:
            self.backoff.reset()
            self.state = .connecting
            return [.cancelReconnect, .connect]
        case .idle, .connecting, .connected, .paused, .stopped:
            return []
        }
    }

    mutating func pauseRequested() -> [Action] {
        switch self.state {
        case .paused, .stopped:
            return []
        case .idle, .connecting, .connected, .waitingToReconnect:
            let wasConnected = self.state != .waitingToReconnect && self.state != .idle
            self.state = .paused
            var actions = self.returnUnsettled()
            actions.append(.cancelReconnect)
            if wasConnected { actions.append(.disconnect) }
            return actions
        }
    }

    mutating func resumeRequested() -> [Action] {
        guard case .paused = self.state else { return [] }
        self.backoff.reset()
        self.state = .connecting
        return [.connect]
    }

    mutating func stopRequested() -> [Action] {
        let wasConnected: Bool
        switch self.state {
        case .connected, .connecting: wasConnected = true
        case .idle, .waitingToReconnect, .paused, .stopped: wasConnected = false
        }
        self.state = .stopped
        var actions = self.returnUnsettled()
        actions.append(.cancelReconnect)
        if wasConnected { actions.append(.disconnect) }
        return actions
    }

    /// Takes the consumer's credit away and gives back what it holds.
    private mutating func returnUnsettled() -> [Action] {
        let keys = Array(self.inFlight.keys).sorted() + self.held.map(\.key)
        self.inFlight.removeAll()
        self.held.removeAll()
        var actions: [Action] = [.setConsumerCredit(0)]
        if !keys.isEmpty { actions.append(.release(keys)) }
        return actions
    }

    // MARK: Messages

    /// The forwarding queue handed over messages (within the credit this machine gave).
    mutating func deliveriesArrived(_ deliveries: [Delivery], now: Int64) -> [Action] {
        guard case .connected = self.state else {
            // A race with a disconnect: give them back.
            return deliveries.isEmpty ? [] : [.release(deliveries.map(\.key))]
        }
        self.held.append(contentsOf: deliveries)
        return self.sendHeld(now: now)
    }

    mutating func sendRetryTimerFired(now: Int64) -> [Action] {
        self.sendRetryScheduled = false
        guard case .connected = self.state else { return [] }
        return self.sendHeld(now: now)
    }

    private mutating func sendHeld(now: Int64) -> [Action] {
        var actions: [Action] = []
        while let next = self.held.first {
            if var bucket = self.bandwidth {
                let wait = bucket.take(next.message.storedSize, now: now)
                self.bandwidth = bucket
                if wait > 0 {
                    if !self.sendRetryScheduled {
                        self.sendRetryScheduled = true
                        actions.append(.scheduleSendRetry(afterMilliseconds: wait))
                    }
                    break
                }
            }
            self.held.removeFirst()
            self.inFlight[next.key] = next
            actions.append(.send(next))
        }
        return actions
    }

    /// The peer settled one message.
    mutating func outcomeReceived(_ key: EntryKey, _ outcome: RemoteOutcome) -> [Action] {
        guard let delivery = self.inFlight.removeValue(forKey: key) else { return [] }
        switch outcome {
        case .accepted:
            self.acceptedTotal += 1
            self.acceptedBytesTotal += delivery.message.storedSize
            return [.acknowledge([key]), .addConsumerCredit(1)]
        case .rejected(let reason):
            self.rejectedTotal += 1
            return [.deadLetter(delivery, reason: reason), .addConsumerCredit(1)]
        case .notTaken:
            return [.release([key]), .addConsumerCredit(1)]
        }
    }

    var heldCount: Int { self.held.count }
}
