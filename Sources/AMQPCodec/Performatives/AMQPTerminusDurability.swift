/// What state of a terminus survives a detach or a restart (part 3.5.5).
public enum AMQPTerminusDurability: UInt32, Hashable, Sendable {
    case none = 0
    case configuration = 1
    case unsettledState = 2
}
