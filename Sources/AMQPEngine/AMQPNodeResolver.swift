import AMQPCodec
import BrokerCore
import BrokerStore
import MessageSelector

/// Maps an attach onto the broker's addresses and queues (docs/protocols.md, "AMQP addressing").
struct AMQPNodeResolver {
    static let queueCapability = "queue"
    static let topicCapability = "topic"
    /// Prefix of the addresses of temporary queues made for dynamic sources.
    static let dynamicPrefix = "amq.dynamic."

    let broker: Broker

    /// Resolves a producer target. Existing addresses are used as they are; a new one is created
    /// multicast for `topic`, else anycast (when auto-create allows).
    func resolveProducer(address: String?, capabilities: [String]) throws -> (AMQPLinkResources.Producer, AMQPResolvedNode) {
        guard let address else {
            return (AMQPLinkResources.Producer(address: nil, autoCreateAs: .anycast), AMQPResolvedNode(address: nil))
        }
        let routingTypes: AddressRecord.RoutingTypes = capabilities.contains(Self.topicCapability) ? .multicast : .anycast
        if self.routingTypes(of: address) == nil {
            try self.broker.ensureAddress(address, routingTypes: routingTypes)
        }
        let blocks = self.broker.policy(for: address).fullPolicy == .block
        return (
            AMQPLinkResources.Producer(address: address, autoCreateAs: routingTypes),
            AMQPResolvedNode(address: address, blocksWhenFull: blocks)
        )
    }

    /// Where a consumer link takes its messages from.
    struct ConsumerNode {
        var queue: Queue
        var lifetime: AMQPLinkResources.QueueLifetime
        var node: AMQPResolvedNode
        /// The consumer's own filter: the selector on a queue. A subscription applies its
        /// selector when it stores, so its consumer needs none.
        var filter: (any MessageFilter)?
    }

    /// Resolves a consumer source to a queue: a temporary queue for a dynamic source, a subscription
    /// queue for `topic` (or an address that is multicast only), else the address's anycast queue.
    /// `connectionID` is the consumer's connection, whose messages a no-local subscription skips.
    func resolveConsumer(
        _ request: AMQPLinkRequest.Consumer,
        linkName: String,
        containerID: String,
        linkID: AMQPLinkID,
        connectionID: UInt64?
    ) throws -> ConsumerNode {
        let selector = request.filters.selector
        if request.isDynamic || request.address == nil {
            let name = Self.dynamicPrefix + Self.randomSuffix()
            let queue = try self.broker.createQueue(name: name, address: name, routingType: .anycast, isDurable: false)
            return ConsumerNode(
                queue: queue,
                lifetime: .deleteWithLink,
                node: AMQPResolvedNode(address: name, appliedFilter: request.filters.applied(noLocal: false)),
                filter: selector.map(AMQPSelectorFilter.init)
            )
        }
        let address = request.address ?? ""
        guard self.wantsTopic(request, address: address) else {
            let queue = try self.broker.anycastQueue(for: address)
            return ConsumerNode(
                queue: queue,
                lifetime: .permanent,
                node: AMQPResolvedNode(address: address, appliedFilter: request.filters.applied(noLocal: false)),
                filter: selector.map(AMQPSelectorFilter.init)
            )
        }
        let queue: Queue
        let lifetime: AMQPLinkResources.QueueLifetime
        if request.isDurable {
            queue = try self.durableSubscription(named: "\(containerID).\(linkName)", address: address, selector: selector)
            lifetime = .durableSubscription
        } else {
            let name = "\(containerID).\(linkName).\(linkID.rawValue).\(Self.randomSuffix())"
            queue = try self.broker.subscribe(queueName: name, filter: address, isDurable: false, selector: selector.map(Self.subscriptionSelector))
            lifetime = .deleteWithLink
        }
        if request.filters.noLocal { queue.excludeMessages(publishedBy: connectionID) }
        let node = AMQPResolvedNode(address: address, appliedFilter: request.filters.applied(noLocal: true))
        return ConsumerNode(queue: queue, lifetime: lifetime, node: node, filter: nil)
    }

    /// A durable subscription, created on first use. Attaching with another selector than it was
    /// created with replaces it, as JMS specifies (its stored messages go), unless it is in use.
    private func durableSubscription(named name: String, address: String, selector: MessageSelector?) throws -> Queue {
        if let existing = self.broker.queue(named: name), existing.routingType == .multicast, existing.address == address,
            existing.selector != selector?.text ?? ""
        {
            guard existing.statistics.consumerCount == 0 else {
                throw AMQPMessageMapping.MappingError(
                    error: AMQPError(
                        condition: .resourceLocked,
                        description: "durable subscription '\(name)' is in use with selector '\(existing.selector)'"
                    )
                )
            }
            try self.broker.deleteQueue(named: name)
        }
        return try self.broker.subscribe(queueName: name, filter: address, isDurable: true, selector: selector.map(Self.subscriptionSelector))
    }

    private static func subscriptionSelector(_ selector: MessageSelector) -> SubscriptionSelector {
        SubscriptionSelector(text: selector.text, filter: AMQPSelectorFilter(selector))
    }

    /// Resolves the source of a browsing link (distribution-mode copy) to the anycast queue it reads,
    /// created as for a consumer when auto-create allows. A topic is refused: a multicast address
    /// keeps no messages of its own (each subscriber's queue does), so there is nothing to browse.
    func resolveBrowsedQueue(_ request: AMQPLinkRequest.Consumer) throws -> (Queue, AMQPResolvedNode) {
        let appliedFilter = request.filters.applied(noLocal: false)
        guard !request.isDynamic, let address = request.address else {
            throw AMQPMessageMapping.MappingError(
                error: AMQPError(condition: .notImplemented, description: "browsing a dynamic source: a new temporary queue has nothing to browse")
            )
        }
        if self.wantsTopic(request, address: address) {
            throw AMQPMessageMapping.MappingError(
                error: AMQPError(
                    condition: .notImplemented,
                    description: "browsing topic '\(address)': a multicast address keeps no backlog of its own, only each subscriber's queue does"
                )
            )
        }
        let queue = try self.broker.anycastQueue(for: address)
        return (queue, AMQPResolvedNode(address: address, appliedFilter: appliedFilter))
    }

    /// `topic` asks for a subscription; so does an address that exists as multicast only, unless the
    /// link insists on `queue`.
    private func wantsTopic(_ request: AMQPLinkRequest.Consumer, address: String) -> Bool {
        request.capabilities.contains(Self.topicCapability)
            || (!request.capabilities.contains(Self.queueCapability) && self.routingTypes(of: address) == .multicast)
    }

    private func routingTypes(of address: String) -> AddressRecord.RoutingTypes? {
        self.broker.addresses.first { $0.name == address }?.routingTypes
    }

    private static func randomSuffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }
}
