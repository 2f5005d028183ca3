/// Protocol-neutral settings of the broker core.
public struct BrokerConfiguration: Sendable {
    /// Create an address the first time a producer or consumer names it.
    public var autoCreateAddresses: Bool
    /// Create the anycast queue of an address the first time it is used.
    public var autoCreateQueues: Bool
    /// Policy of addresses that match no entry of `addressPolicies`.
    public var defaultPolicy: AddressPolicy
    /// Policies by address pattern (MQTT wildcard syntax); the first match wins.
    public var addressPolicies: [(pattern: String, policy: AddressPolicy)]
    /// Ready messages a queue keeps in memory; the rest stays on disk.
    public var queueWindowMessages: Int
    /// Bytes of ready messages a queue keeps in memory.
    public var queueWindowBytes: Int

    public init(
        autoCreateAddresses: Bool = true,
        autoCreateQueues: Bool = true,
        defaultPolicy: AddressPolicy = AddressPolicy(),
        addressPolicies: [(pattern: String, policy: AddressPolicy)] = [],
        queueWindowMessages: Int = 1000,
        queueWindowBytes: Int = 4 << 20
    ) {
        self.autoCreateAddresses = autoCreateAddresses
        self.autoCreateQueues = autoCreateQueues
        self.defaultPolicy = defaultPolicy
        self.addressPolicies = addressPolicies
        self.queueWindowMessages = max(2, queueWindowMessages)
        self.queueWindowBytes = max(1024, queueWindowBytes)
    }

    /// Whether any address policy blocks producers when full (front ends skip the capacity
    /// check on every publish otherwise).
    public var hasBlockingPolicies: Bool {
        self.defaultPolicy.fullPolicy == .block || self.addressPolicies.contains { $0.policy.fullPolicy == .block }
    }

    /// The policy that applies to `address`.
    public func policy(for address: String) -> AddressPolicy {
        for (pattern, policy) in self.addressPolicies where TopicFilter(pattern).matches(address) {
            return policy
        }
        return self.defaultPolicy
    }
}
