import AMQPCodec

/// What a peer's attach asks of the broker, for the handler to resolve against it.
public struct AMQPLinkRequest: Sendable {
    public enum Kind: Sendable {
        /// The peer sends messages: a target node. A nil address is the anonymous relay (each
        /// message's `to` names its address).
        case producer(address: String?, capabilities: [String])
        /// The peer receives messages from a source node.
        case consumer(Consumer)
    }

    public struct Consumer: Sendable {
        /// nil for a dynamic source.
        public var address: String?
        public var isDynamic: Bool
        public var capabilities: [String]
        /// The source survives detach(closed: false) and connection loss.
        public var isDurable: Bool
        /// `copy` asks to browse (deliver without consuming).
        public var distributionMode: AMQPDistributionMode?
        /// The selector and no-local filters of the source.
        var filters = AMQPReceiverFilters()
    }

    public var linkName: String
    /// The peer's container id (durable subscription names are `containerID.linkName`).
    public var containerID: String
    public var kind: Kind
}

/// The broker side of an attach, once resolved.
public struct AMQPResolvedNode: Sendable, Equatable {
    /// The address to return in the attach (the generated one for a dynamic source).
    public var address: String?
    /// Producer links only: withhold credit while the target queue is full (`block` policy).
    public var blocksWhenFull: Bool
    /// Consumer links only: the filter-set applied, echoed in the attach.
    public var appliedFilter: AMQPMap

    public init(address: String?, blocksWhenFull: Bool = false, appliedFilter: AMQPMap = AMQPMap()) {
        self.address = address
        self.blocksWhenFull = blocksWhenFull
        self.appliedFilter = appliedFilter
    }
}
