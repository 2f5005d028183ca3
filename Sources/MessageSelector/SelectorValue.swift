/// A value that a message selector reads from a message or computes: the four JMS selector types.
///
/// SQL NULL is not a case: an absent property is `nil` in `SelectorValue?`, and so is UNKNOWN during evaluation.
public enum SelectorValue: Sendable, Hashable {
    case boolean(Bool)
    /// JMS `byte`, `short`, `int` and `long` properties all widen to this.
    case integer(Int64)
    /// JMS `float` and `double` properties both widen to this.
    case double(Double)
    case string(String)
}
