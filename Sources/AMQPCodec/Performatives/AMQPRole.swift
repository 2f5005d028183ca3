/// Which end of a link a peer is (part 2.8.1); encoded as a boolean, `true` meaning receiver.
public enum AMQPRole: Hashable, Sendable {
    case sender
    case receiver

    init(wireValue: Bool) {
        self = wireValue ? .receiver : .sender
    }

    var wireValue: Bool { self == .receiver }
}
