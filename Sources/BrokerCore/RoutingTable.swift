import BrokerStore

/// Addresses and queue bindings. Read on every publish, changed rarely; the broker
/// guards it with one lock.
struct RoutingTable {
    struct AddressState {
        var routingTypes: AddressRecord.RoutingTypes
    }

    /// A queue as a set member (identity).
    struct QueueReference: Hashable {
        let queue: Queue
        static func == (lhs: QueueReference, rhs: QueueReference) -> Bool { lhs.queue === rhs.queue }
        func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self.queue)) }
    }

    var addresses: [String: AddressState] = [:]
    var queuesByName: [String: Queue] = [:]
    var queuesByID: [QueueID: Queue] = [:]
    /// Anycast queues by address.
    private var anycast: [String: [Queue]] = [:]
    /// Multicast queues bound to an exact address.
    private var exactBindings: [String: [Queue]] = [:]
    /// Multicast queues bound with `+`/`#` patterns.
    private var wildcardBindings = SubscriptionTrie<QueueReference>()

    mutating func add(_ queue: Queue) {
        self.queuesByName[queue.name] = queue
        self.queuesByID[queue.id] = queue
        switch queue.routingType {
        case .anycast:
            self.anycast[queue.address, default: []].append(queue)
        case .multicast:
            for binding in queue.bindings {
                let filter = TopicFilter(binding)
                if filter.hasWildcards {
                    self.wildcardBindings.insert(QueueReference(queue: queue), for: filter)
                } else {
                    self.exactBindings[binding, default: []].append(queue)
                }
            }
        }
    }

    mutating func remove(_ queue: Queue) {
        self.queuesByName[queue.name] = nil
        self.queuesByID[queue.id] = nil
        switch queue.routingType {
        case .anycast:
            self.anycast[queue.address]?.removeAll { $0 === queue }
        case .multicast:
            for binding in queue.bindings {
                let filter = TopicFilter(binding)
                if filter.hasWildcards {
                    self.wildcardBindings.remove(QueueReference(queue: queue), for: filter)
                } else {
                    self.exactBindings[binding]?.removeAll { $0 === queue }
                }
            }
        }
    }

    func route(_ address: String) -> [Queue] {
        var result: [Queue] = []
        if let queues = self.anycast[address] { result.append(contentsOf: queues) }
        if let queues = self.exactBindings[address] { result.append(contentsOf: queues) }
        var matches: [QueueReference] = []
        self.wildcardBindings.matches(address, into: &matches)
        result.append(contentsOf: matches.map(\.queue))
        if result.count > 1 {
            Self.removeDuplicates(from: &result)
        }
        return result
    }

    /// A queue bound by several matching patterns gets one copy. A publish usually matches a
    /// few queues: those are compared pairwise (no set to allocate and hash on every publish).
    private static func removeDuplicates(from queues: inout [Queue]) {
        guard queues.count <= 16 else {
            var seen = Set<ObjectIdentifier>()
            queues.removeAll { !seen.insert(ObjectIdentifier($0)).inserted }
            return
        }
        var kept = 1
        for index in 1..<queues.count {
            let queue = queues[index]
            if !queues[0..<kept].contains(where: { $0 === queue }) {
                queues[kept] = queue
                kept += 1
            }
        }
        if kept < queues.count { queues.removeLast(queues.count - kept) }
    }
}
