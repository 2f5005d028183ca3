import MessageSelector

#if canImport(Glibc)
import Glibc
#endif

/// SwiftPM links executables with `main` aliased to the module's entry point, so the entry point hands
/// control to libFuzzer's driver instead of relying on libFuzzer's own `main`.
@main
enum SelectorFuzz {
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

/// libFuzzer entry point. The input, as UTF-8 with invalid bytes replaced, must either parse or throw a
/// `SelectorSyntaxError` whose position lies inside the text (or one past it). What parses is evaluated against
/// two property sources, and a selector and its negation must never both match.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    let selector: MessageSelector
    do {
        selector = try MessageSelector(text)
    } catch {
        checkError(error, in: text)
        return 0
    }
    precondition(selector.text == text, "text not kept")
    precondition(selector == (try? MessageSelector(text)), "parsing is not deterministic")

    let sources: [any SelectorPropertySource] = [FixedProperties(), DerivedProperties()]
    // The negation parses whenever the selector does, unless the extra parenthesis and NOT cross a limit.
    let negation = try? MessageSelector("NOT (\(text))")
    for source in sources {
        let matched = selector.matches(source)
        precondition(matched == selector.matches(source), "evaluation is not deterministic")
        if let negation {
            precondition(!(matched && negation.matches(source)), "both the selector and its negation match")
        }
    }
    return 0
}

private func checkError(_ error: SelectorSyntaxError, in text: String) {
    let end = text.unicodeScalars.count + 1
    precondition(error.position >= 1 && error.position <= end, "position \(error.position) outside 1...\(end)")
    precondition(error.message.hasSuffix("at position \(error.position)"), "message without position")
}

/// A few properties of every type, including the JMS headers and values that overflow.
private struct FixedProperties: SelectorPropertySource {
    private static let values: [String: SelectorValue] = [
        "a": .integer(1),
        "b": .integer(-2),
        "max": .integer(Int64.max),
        "min": .integer(Int64.min),
        "zero": .integer(0),
        "d": .double(2.5),
        "nan": .double(.nan),
        "inf": .double(.infinity),
        "s": .string("hello"),
        "empty": .string(""),
        "t": .boolean(true),
        "f": .boolean(false),
        "JMSPriority": .integer(4),
        "JMSDeliveryMode": .string("PERSISTENT"),
        "JMSMessageID": .string("ID:1"),
        "JMSTimestamp": .integer(1_700_000_000_000),
    ]

    func selectorValue(for identifier: String) -> SelectorValue? {
        Self.values[identifier]
    }
}

/// A value for every identifier, chosen from its length, so that names the fuzzer invents reach every type.
private struct DerivedProperties: SelectorPropertySource {
    func selectorValue(for identifier: String) -> SelectorValue? {
        let length = identifier.utf8.count
        switch length % 6 {
        case 0: return nil
        case 1: return .boolean(length % 4 == 1)
        case 2: return .integer(Int64(length) - 8)
        case 3: return .double(Double(length) / 4)
        case 4: return .string(identifier)
        default: return .string(String(repeating: "ab%_", count: length))
        }
    }
}
