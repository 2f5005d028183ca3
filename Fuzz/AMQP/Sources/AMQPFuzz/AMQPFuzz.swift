import AMQPCodec
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// SwiftPM links executables with `main` aliased to the module's entry point, so the entry point hands
/// control to libFuzzer's driver instead of relying on libFuzzer's own `main`.
@main
enum AMQPFuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// libFuzzer entry point. Runs every decoder on the input; each must return or throw
/// `AMQPDecodingError`. Whatever decodes is re-encoded, decoded and encoded again, and the two encodings
/// must match: that checks the encoders against the decoders without comparing floats (NaN != NaN).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = ByteBuffer(bytes: UnsafeBufferPointer(start: start, count: count))
    fuzzFrameDecoder(input, expectingProtocolHeader: true)
    fuzzFrameDecoder(input, expectingProtocolHeader: false)
    fuzzMessageParser(input)
    fuzzSectionIndex(input)
    fuzzValueDecoder(input)
    return 0
}

private func fuzzFrameDecoder(_ input: ByteBuffer, expectingProtocolHeader: Bool) {
    var decoder = AMQPFrameDecoder(maximumFrameSize: 1 << 20, expectingProtocolHeader: expectingProtocolHeader)
    var buffer = input
    do {
        while let unit = try decoder.decode(buffer: &buffer) {
            checkReencoding(unit)
        }
    } catch is AMQPDecodingError {
        return
    } catch {
        fatalError("frame decoder threw a foreign error: \(error)")
    }
}

private func checkReencoding(_ unit: AMQPInbound) {
    switch unit {
    case .protocolHeader, .heartbeat:
        return
    case .frame, .saslFrame:
        var first = ByteBuffer()
        first.writeAMQPInbound(unit)
        var decoder = AMQPFrameDecoder(maximumFrameSize: .max, expectingProtocolHeader: false)
        var copy = first
        guard let decoded = try? decoder.decode(buffer: &copy) else {
            fatalError("re-encoded frame does not decode: \(first.readableBytesView.map { $0 })")
        }
        var second = ByteBuffer()
        second.writeAMQPInbound(decoded)
        precondition(first == second, "frame encoding is not stable")
    }
}

private func fuzzMessageParser(_ input: ByteBuffer) {
    do {
        let message = try AMQPEncodedMessage(parsing: input)
        _ = try? message.decodeApplicationProperties()
        _ = try? message.decodeBody()
        var encoded = ByteBuffer()
        message.encode(into: &encoded)
        let reparsed = try AMQPEncodedMessage(parsing: encoded)
        precondition(reparsed.bareMessage == message.bareMessage, "bare message changed on re-assembly")
    } catch is AMQPDecodingError {
        return
    } catch {
        fatalError("message parser threw a foreign error: \(error)")
    }
}

/// The selector's lazy reader: indexing and single-property reads must return or throw, never trap.
private func fuzzSectionIndex(_ input: ByteBuffer) {
    do {
        let sections = try AMQPMessageSections(indexing: input)
        _ = try? sections.decodeHeader()
        _ = try? sections.decodeProperties()
        _ = try? sections.decodeMessageAnnotations()
        _ = try? sections.applicationProperty("k")
        _ = try? sections.applicationProperty("")
    } catch is AMQPDecodingError {
        return
    } catch {
        fatalError("section index threw a foreign error: \(error)")
    }
}

private func fuzzValueDecoder(_ input: ByteBuffer) {
    var buffer = input
    do {
        let value = try AMQPValue(decoding: &buffer)
        var first = ByteBuffer()
        first.writeAMQPValue(value)
        var copy = first
        let decoded = try AMQPValue(decoding: &copy)
        var second = ByteBuffer()
        second.writeAMQPValue(decoded)
        precondition(first == second, "value encoding is not stable")
    } catch is AMQPDecodingError {
        return
    } catch {
        fatalError("value decoder threw a foreign error: \(error)")
    }
}
