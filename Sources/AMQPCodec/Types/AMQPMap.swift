/// An AMQP map: key/value pairs in wire order. Keys may be any `AMQPValue`; lookups are linear,
/// which is faster than hashing for the handful of entries maps carry in practice.
public struct AMQPMap: Hashable, Sendable, ExpressibleByDictionaryLiteral {
    public struct Entry: Hashable, Sendable {
        public var key: AMQPValue
        public var value: AMQPValue

        public init(key: AMQPValue, value: AMQPValue) {
            self.key = key
            self.value = value
        }
    }

    public var entries: [Entry]

    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    public init(dictionaryLiteral elements: (AMQPValue, AMQPValue)...) {
        self.entries = elements.map { Entry(key: $0.0, value: $0.1) }
    }

    public var isEmpty: Bool { self.entries.isEmpty }
    public var count: Int { self.entries.count }

    /// The value of the first entry with this key; setting replaces it or appends a new entry.
    public subscript(key: AMQPValue) -> AMQPValue? {
        get {
            for entry in self.entries where entry.key == key {
                return entry.value
            }
            return nil
        }
        set {
            if let index = self.entries.firstIndex(where: { $0.key == key }) {
                if let newValue {
                    self.entries[index].value = newValue
                } else {
                    self.entries.remove(at: index)
                }
            } else if let newValue {
                self.entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    /// The value stored under a symbol key, the common case for annotations and `fields`.
    public subscript(symbol name: String) -> AMQPValue? {
        get { self[.symbol(name)] }
        set { self[.symbol(name)] = newValue }
    }

    /// The value stored under a string key, the case for application-properties.
    public subscript(string name: String) -> AMQPValue? {
        get { self[.string(name)] }
        set { self[.string(name)] = newValue }
    }
}
