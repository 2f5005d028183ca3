import NIOCore

/// Writes packets for one connection in its negotiated protocol version.
///
/// Usable as a `MessageToByteHandler` encoder; an engine that batches writes calls
/// ``MQTTPacket/encode(into:version:)`` on its own buffer instead and flushes once per batch.
public struct MQTTPacketEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = MQTTPacket

    public var protocolVersion: MQTTProtocolVersion

    public init(protocolVersion: MQTTProtocolVersion) {
        self.protocolVersion = protocolVersion
    }

    public func encode(data: MQTTPacket, out: inout ByteBuffer) throws {
        try data.encode(into: &out, version: self.protocolVersion)
    }
}
