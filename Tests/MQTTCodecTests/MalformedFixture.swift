import MQTTCodec
import NIOCore
import Testing

/// Bytes that break one rule, and the error the decoder must report for them.
struct MalformedFixture: Sendable, CustomTestStringConvertible {
    var rule: String
    /// The version the decoder is told; nil for a server still waiting for CONNECT.
    var version: MQTTProtocolVersion?
    var hex: String
    var maximumPacketSize: Int
    var code: MQTTDecodingError.Code
    var reasonCode: MQTTReasonCode
    var field: String

    init(
        _ rule: String,
        _ version: MQTTProtocolVersion?,
        hex: String,
        maximumPacketSize: Int = MQTTPacketDecoder.protocolMaximumPacketSize,
        _ code: MQTTDecodingError.Code,
        _ reasonCode: MQTTReasonCode,
        field: String
    ) {
        self.rule = rule
        self.version = version
        self.hex = hex
        self.maximumPacketSize = maximumPacketSize
        self.code = code
        self.reasonCode = reasonCode
        self.field = field
    }

    var testDescription: String { self.rule }

    @discardableResult
    func verify() -> MQTTDecodingError? {
        var decoder = MQTTPacketDecoder(protocolVersion: self.version, maximumPacketSize: self.maximumPacketSize)
        var input = ByteBuffer(hex: self.hex)
        let error = #expect(throws: MQTTDecodingError.self, "\(self.rule)") {
            try decoder.decodePacket(from: &input)
        }
        #expect(error?.code == self.code, "\(self.rule): \(String(describing: error))")
        #expect(error?.reasonCode == self.reasonCode, "\(self.rule)")
        #expect(error?.field == self.field, "\(self.rule): \(String(describing: error))")
        return error
    }
}
