import AMQPCodec
@testable import AMQPEngine

// Equatable only in the test target (CONVENTIONS): actions compare by their printed content,
// which covers every field (ByteBuffers print their bytes).
extension AMQPClientConnectionStateMachine.Action: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        String(describing: lhs) == String(describing: rhs)
    }
}
