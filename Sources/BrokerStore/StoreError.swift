/// The errors the store reports. A small named set, so callers can map each one
/// to a protocol error (store full → AMQP `amqp:resource-limit-exceeded`, MQTT 0x97).
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case closed
        case full
        case locked
        case versionMismatch
        case corrupted
        case notFound
        case io
    }

    let code: Code
    /// What happened, for logs and operators.
    public let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// The store has been closed; nothing more is accepted.
    public static func closed() -> StoreError { StoreError(.closed, "the store is closed") }
    /// The store reached `store.max-size`; new messages are refused, acknowledgments still work.
    public static func full(maxSize: Int) -> StoreError {
        StoreError(.full, "the store is full (store.max-size = \(maxSize) bytes)")
    }
    /// Another process holds the data directory.
    public static func locked(path: String) -> StoreError {
        StoreError(.locked, "the data directory \(path) is in use by another outpost process")
    }
    public static func versionMismatch(path: String, found: UInt32, expected: UInt32) -> StoreError {
        StoreError(
            .versionMismatch,
            "the store in \(path) has format version \(found), this outpost reads version \(expected); refusing to open it"
        )
    }
    public static func corrupted(_ detail: String) -> StoreError { StoreError(.corrupted, detail) }
    public static func notFound(_ detail: String) -> StoreError { StoreError(.notFound, detail) }
    public static func io(_ detail: String) -> StoreError { StoreError(.io, detail) }

    public static func ~= (pattern: StoreError.Kind, error: StoreError) -> Bool { error.kind == pattern }

    /// The category of the error, for switching.
    public enum Kind: Hashable, Sendable { case closed, full, locked, versionMismatch, corrupted, notFound, io }

    public var kind: Kind {
        switch self.code {
        case .closed: .closed
        case .full: .full
        case .locked: .locked
        case .versionMismatch: .versionMismatch
        case .corrupted: .corrupted
        case .notFound: .notFound
        case .io: .io
        }
    }

    public var description: String { self.detail }
}
