/// A configuration problem, always naming the key it is about.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    static func invalidValue(_ path: [any CodingKey], _ problem: String) -> ConfigurationError {
        ConfigurationError(key: dottedPath(path), problem: problem)
    }

    public var description: String {
        self.key.isEmpty ? "configuration: \(self.problem)" : "configuration key '\(self.key)': \(self.problem)"
    }
}

/// `listeners.amqp-port`, `broker.addresses[2].full-policy`
func dottedPath(_ path: [any CodingKey]) -> String {
    var result = ""
    for key in path {
        if let index = key.intValue {
            result += "[\(index)]"
        } else {
            result += result.isEmpty ? key.stringValue : "." + key.stringValue
        }
    }
    return result
}

/// A coding key for reading whatever keys a mapping has, to reject unknown ones.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// Throws naming the first key of this mapping that `Keys` does not declare.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let known = Set(Keys.allCases.map(\.stringValue))
        let container = try self.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw ConfigurationError(
                key: dottedPath(self.codingPath + [key]),
                problem: "unknown key (known keys here: \(known.sorted().joined(separator: ", ")))"
            )
        }
    }
}
