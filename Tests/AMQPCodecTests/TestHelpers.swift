import NIOCore
import Testing

@testable import AMQPCodec

extension ByteBuffer {
    /// A buffer from hex digits; spaces and newlines are ignored so fixtures can be grouped by field.
    init(hex: String) {
        var bytes: [UInt8] = []
        var pending: UInt8?
        for character in hex {
            guard let nibble = character.hexDigitValue.map(UInt8.init) else { continue }
            if let high = pending {
                bytes.append(high << 4 | nibble)
                pending = nil
            } else {
                pending = nibble
            }
        }
        precondition(pending == nil, "odd number of hex digits in fixture")
        self.init(bytes: bytes)
    }

    var hexString: String {
        self.readableBytesView.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}

/// The hex of an ASCII string, so fixtures can spell symbols and strings readably.
func ascii(_ text: String) -> String {
    " " + ByteBuffer(string: text).hexString + " "
}

/// Asserts that `hex` decodes to `value` with nothing left over and that `value` encodes to exactly `hex`.
func expectValueFixture(_ hex: String, _ value: AMQPValue, sourceLocation: SourceLocation = #_sourceLocation) throws {
    var buffer = ByteBuffer(hex: hex)
    let decoded = try AMQPValue(decoding: &buffer)
    #expect(decoded == value, sourceLocation: sourceLocation)
    #expect(buffer.readableBytes == 0, sourceLocation: sourceLocation)
    var encoded = ByteBuffer()
    encoded.writeAMQPValue(value)
    #expect(encoded.hexString == ByteBuffer(hex: hex).hexString, sourceLocation: sourceLocation)
}

/// Asserts that decoding `hex` as a value throws an error with the given code.
func expectValueError(
    _ hex: String,
    _ code: AMQPDecodingError.Code,
    context: String? = nil,
    offset: Int? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    var buffer = ByteBuffer(hex: hex)
    do {
        let value = try AMQPValue(decoding: &buffer)
        Issue.record("expected \(code), decoded \(value)", sourceLocation: sourceLocation)
    } catch let error as AMQPDecodingError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let context {
            #expect(error.context == context, "\(error)", sourceLocation: sourceLocation)
        }
        if let offset {
            #expect(error.offset == offset, "\(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// Asserts that `hex` decodes to `performative` and that it encodes back to exactly `hex`.
func expectPerformativeFixture(
    _ hex: String,
    _ performative: AMQPPerformative,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    var buffer = ByteBuffer(hex: hex)
    let decoded = try AMQPPerformative(decoding: &buffer)
    #expect(decoded == performative, sourceLocation: sourceLocation)
    #expect(buffer.readableBytes == 0, sourceLocation: sourceLocation)
    var encoded = ByteBuffer()
    encoded.writeAMQPPerformative(performative)
    #expect(encoded.hexString == ByteBuffer(hex: hex).hexString, sourceLocation: sourceLocation)
}

func expectPerformativeError(
    _ hex: String,
    _ code: AMQPDecodingError.Code,
    context: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    var buffer = ByteBuffer(hex: hex)
    do {
        let value = try AMQPPerformative(decoding: &buffer)
        Issue.record("expected \(code), decoded \(value)", sourceLocation: sourceLocation)
    } catch let error as AMQPDecodingError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let context {
            #expect(error.context == context, "\(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// Feeds `hex` to a fresh frame decoder (already past the protocol header when `afterHeader` is set)
/// and returns everything it yields.
func decodeFrames(_ hex: String, afterHeader: AMQPProtocolHeader? = .amqp) throws -> [AMQPInbound] {
    var decoder = AMQPFrameDecoder()
    var buffer = ByteBuffer()
    if let afterHeader {
        buffer.writeAMQPProtocolHeader(afterHeader)
    }
    buffer.writeImmutableBuffer(ByteBuffer(hex: hex))
    var results: [AMQPInbound] = []
    while let unit = try decoder.decode(buffer: &buffer) {
        results.append(unit)
    }
    if afterHeader != nil {
        results.removeFirst()
    }
    return results
}

func expectFrameError(
    _ hex: String,
    _ code: AMQPDecodingError.Code,
    afterHeader: AMQPProtocolHeader? = .amqp,
    sourceLocation: SourceLocation = #_sourceLocation
) -> AMQPDecodingError? {
    do {
        let units = try decodeFrames(hex, afterHeader: afterHeader)
        Issue.record("expected \(code), decoded \(units)", sourceLocation: sourceLocation)
    } catch let error as AMQPDecodingError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
