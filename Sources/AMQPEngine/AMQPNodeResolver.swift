import AMQPCodec
import BrokerCore
import BrokerStore

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

    /// Resolves a consumer source to a queue: a temporary queue for a dynamic source, a subscription
    /// queue for `topic` (or an address that is multicast only), else the address's anycast queue.
    func resolveConsumer(
        _ request: AMQPLinkRequest.Consumer,
        linkName: String,
        containerID: String,
        linkID: AMQPLinkID
    ) throws -> (Queue, AMQPLinkResources.QueueLifetime, AMQPResolvedNode) {
        if request.isDynamic || request.address == nil {
            let name = Self.dynamicPrefix + Self.randomSuffix()
            let queue = try self.broker.createQueue(name: name, address: name, routingType: .anycast, isDurable: false)
            return (queue, .deleteWithLink, AMQPResolvedNode(address: name))
        }
        let address = request.address ?? ""
        if self.wantsTopic(request, address: address) {
            if request.isDurable {
                let queue = try self.broker.subscribe(queueName: "\(containerID).\(linkName)", filter: address, isDurable: true)
                return (queue, .durableSubscription, AMQPResolvedNode(address: address))
            }
            let name = "\(containerID).\(linkName).\(linkID.rawValue).\(Self.randomSuffix())"
            let queue = try self.broker.subscribe(queueName: name, filter: address, isDurable: false)
            return (queue, .deleteWithLink, AMQPResolvedNode(address: address))
        }
        let queue = try self.broker.anycastQueue(for: address)
        return (queue, .permanent, AMQPResolvedNode(address: address))
    }

    /// Resolves the source of a browsing link (distribution-mode copy) to the anycast queue it reads,
    /// created as for a consumer when auto-create allows. A topic is refused: a multicast address
    /// keeps no messages of its own (each subscriber's queue does), so there is nothing to browse.
    func resolveBrowsedQueue(_ request: AMQPLinkRequest.Consumer) throws -> (Queue, AMQPResolvedNode) {
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
        return (queue, AMQPResolvedNode(address: address))
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
