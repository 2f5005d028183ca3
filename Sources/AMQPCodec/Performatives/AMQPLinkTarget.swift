/// What an attach's target field holds: a node target, or a transaction coordinator (part 4.5.1).
public enum AMQPLinkTarget: Hashable, Sendable {
    case target(AMQPTarget)
    case coordinator(AMQPCoordinator)
}
