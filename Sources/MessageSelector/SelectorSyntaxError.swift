/// Thrown by `MessageSelector.init` when the text is not a valid JMS message selector.
public struct SelectorSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based offset, counted in Unicode scalars, where the error was detected. One past the last scalar when
    /// the selector ended too early.
    public var position: Int
    /// What was wrong, ending with the position, for example `expected ')' but found end of selector at position 7`.
    public var message: String

    public init(position: Int, message: String) {
        self.position = position
        self.message = message
    }

    /// Builds the message from a reason, so that every message ends with the position in the same words.
    init(_ reason: String, at position: Int) {
        self.init(position: position, message: "\(reason) at position \(position)")
    }

    public var description: String { "invalid message selector: \(self.message)" }
}
