/// An uplink's `remote-address` template, parsed once: `{address}` stands for the local
/// address of each message, `{node-id}` for this node (fixed, so folded into the text).
///
/// The uplink renders it for every message it sends. Foundation's `replacingOccurrences`,
/// which did this before, bridged through NSString and cost about a sixth of the uplink's
/// event-loop time in a drain profile; rendering the parsed parts is a few appends, and the
/// default template `{address}` returns the local address itself.
struct RemoteAddressTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case text(String)
        case localAddress
    }

    static let addressPlaceholder = "{address}"
    static let nodeIDPlaceholder = "{node-id}"

    /// Literal text and local-address slots in order; adjacent texts merged, none empty.
    let parts: [Part]

    init(_ template: String, nodeID: String) {
        var parts: [Part] = []
        var text = ""
        var rest = Substring(template)
        while let brace = rest.firstIndex(of: "{") {
            text += rest[..<brace]
            let candidate = rest[brace...]
            if candidate.hasPrefix(Self.addressPlaceholder) {
                if !text.isEmpty { parts.append(.text(text)) }
                text = ""
                parts.append(.localAddress)
                rest = candidate.dropFirst(Self.addressPlaceholder.count)
            } else if candidate.hasPrefix(Self.nodeIDPlaceholder) {
                text += nodeID
                rest = candidate.dropFirst(Self.nodeIDPlaceholder.count)
            } else {
                text.append("{")
                rest = candidate.dropFirst()
            }
        }
        text += rest
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
    }

    /// The remote address for a message sent from `localAddress`. The local address is
    /// inserted as it is: placeholders inside it are not expanded.
    func render(localAddress: String) -> String {
        switch self.parts.count {
        case 0:
            return ""
        case 1:
            switch self.parts[0] {
            case .localAddress: return localAddress
            case .text(let text): return text
            }
        default:
            var result = ""
            for part in self.parts {
                switch part {
                case .text(let text): result += text
                case .localAddress: result += localAddress
                }
            }
            return result
        }
    }
}
