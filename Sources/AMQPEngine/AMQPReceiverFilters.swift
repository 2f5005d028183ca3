import AMQPCodec
import MessageSelector

/// The filters of a receiving link's source (part 3.5.8 filter-set) that the broker applies: the
/// JMS selector and no-local filters registered by Apache (the AMQP filters registry, as Qpid JMS
/// and Artemis use them). Other filters are not applied and therefore not echoed in the attach,
/// which is how AMQP tells the peer so.
struct AMQPReceiverFilters: Sendable {
    /// `apache.org:selector-filter:string`: a JMS selector as a string.
    static let selectorDescriptor = "apache.org:selector-filter:string"
    static let selectorDescriptorCode: UInt64 = 0x0000_468C_0000_0004
    /// `apache.org:no-local-filter:list`: skip messages this connection published.
    static let noLocalDescriptor = "apache.org:no-local-filter:list"
    static let noLocalDescriptorCode: UInt64 = 0x0000_468C_0000_0003

    /// nil when there is none, or when it is empty (JMS: an empty selector selects everything).
    var selector: MessageSelector?
    var noLocal = false
    /// The filter-set entries behind `selector` and `noLocal`, to echo what was applied.
    private var selectorEntry: AMQPMap.Entry?
    private var noLocalEntry: AMQPMap.Entry?

    init() {}

    /// Reads the filter-set; a malformed selector (or one that is not a string) is
    /// `amqp:invalid-field` naming the position of the error.
    init(parsing filterSet: AMQPMap) throws(AMQPError) {
        for entry in filterSet.entries {
            guard case .described(let descriptor, let value) = entry.value else { continue }
            if Self.descriptor(descriptor, is: Self.selectorDescriptor, code: Self.selectorDescriptorCode) {
                guard case .string(let text) = value else {
                    throw AMQPError(condition: .invalidField, description: "the selector filter must be a string")
                }
                guard !text.allSatisfy(\.isWhitespace) else { continue }
                do {
                    self.selector = try MessageSelector(text)
                } catch {
                    throw AMQPError(
                        condition: .invalidField,
                        description: error.description,
                        info: [.symbol("position"): .int(Int32(clamping: error.position))]
                    )
                }
                self.selectorEntry = entry
            } else if Self.descriptor(descriptor, is: Self.noLocalDescriptor, code: Self.noLocalDescriptorCode) {
                self.noLocal = true
                self.noLocalEntry = entry
            }
        }
    }

    /// The filter-set to echo: the entries applied (no-local only where it was).
    func applied(noLocal noLocalApplied: Bool) -> AMQPMap {
        var map = AMQPMap()
        if let selectorEntry { map.entries.append(selectorEntry) }
        if noLocalApplied, let noLocalEntry { map.entries.append(noLocalEntry) }
        return map
    }

    private static func descriptor(_ descriptor: AMQPValue, is name: String, code: UInt64) -> Bool {
        switch descriptor {
        case .symbol(let symbol): return symbol == name
        case .ulong(let value): return value == code
        default: return false
        }
    }
}
