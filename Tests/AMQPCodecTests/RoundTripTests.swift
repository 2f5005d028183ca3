import NIOCore
import Testing

@testable import AMQPCodec

/// Random values, depth-limited, encode and decode back to themselves.
@Suite("Random round trips")
struct RoundTripTests {
    struct ValueGenerator {
        var random: SeededRandomNumberGenerator

        mutating func int<T: FixedWidthInteger>(_ type: T.Type) -> T {
            // Bias towards small values so every width of the variable encodings is exercised.
            switch Int.random(in: 0..<4, using: &self.random) {
            case 0: return 0
            case 1: return T(truncatingIfNeeded: Int.random(in: -200...200, using: &self.random))
            default: return T.random(in: T.min...T.max, using: &self.random)
            }
        }

        mutating func string(maxLength: Int) -> String {
            let length = Int.random(in: 0...maxLength, using: &self.random)
            var scalars = String.UnicodeScalarView()
            for _ in 0..<length {
                let value: UInt32 =
                    Bool.random(using: &self.random)
                    ? UInt32.random(in: 0x20..<0x7f, using: &self.random)
                    : UInt32.random(in: 0..<0x11_0000, using: &self.random)
                scalars.append(Unicode.Scalar(value) ?? "x")
            }
            return String(scalars)
        }

        mutating func bytes(maxLength: Int) -> ByteBuffer {
            let length = Int.random(in: 0...maxLength, using: &self.random)
            return ByteBuffer(bytes: (0..<length).map { _ in UInt8.random(in: 0...255, using: &self.random) })
        }

        mutating func value(depth: Int) -> AMQPValue {
            let maxKind = depth > 0 ? 26 : 22
            switch Int.random(in: 0..<maxKind, using: &self.random) {
            case 0: return .null
            case 1: return .boolean(Bool.random(using: &self.random))
            case 2: return .ubyte(self.int(UInt8.self))
            case 3: return .ushort(self.int(UInt16.self))
            case 4: return .uint(self.int(UInt32.self))
            case 5: return .ulong(self.int(UInt64.self))
            case 6: return .byte(self.int(Int8.self))
            case 7: return .short(self.int(Int16.self))
            case 8: return .int(self.int(Int32.self))
            case 9: return .long(self.int(Int64.self))
            case 10: return .float(Float(self.int(Int32.self)) / 8)
            case 11: return .double(Double(self.int(Int64.self)) / 3)
            case 12: return .decimal32(self.int(UInt32.self))
            case 13: return .decimal64(self.int(UInt64.self))
            case 14: return .decimal128(AMQPDecimal128(high: self.int(UInt64.self), low: self.int(UInt64.self)))
            case 15: return .char(Unicode.Scalar(UInt32.random(in: 0..<0xD800, using: &self.random)) ?? "a")
            case 16: return .timestamp(self.int(Int64.self))
            case 17: return .uuid(AMQPUUID(high: self.int(UInt64.self), low: self.int(UInt64.self)))
            case 18: return .binary(self.bytes(maxLength: Bool.random(using: &self.random) ? 8 : 400))
            case 19: return .string(self.string(maxLength: Bool.random(using: &self.random) ? 8 : 300))
            case 20: return .symbol(self.string(maxLength: 12))
            case 21: return .list([])
            case 22:
                let count = Int.random(in: 0...(Bool.random(using: &self.random) ? 4 : 300), using: &self.random)
                return .list((0..<count).map { _ in self.value(depth: depth - 1) })
            case 23:
                let count = Int.random(in: 0...5, using: &self.random)
                return .map(
                    AMQPMap(
                        (0..<count).map { _ in
                            .init(key: self.value(depth: depth - 1), value: self.value(depth: depth - 1))
                        }
                    )
                )
            case 24:
                return .described(descriptor: self.value(depth: 0), value: self.value(depth: depth - 1))
            default:
                return .array(self.array(depth: depth - 1))
            }
        }

        mutating func array(depth: Int) -> AMQPArray {
            // Build elements of one type by drawing values until the type matches the first one.
            let template = self.value(depth: depth)
            guard case .described = template else {
                let elementType = AMQPArray.ElementType(of: template) ?? .null
                var elements = [template]
                let count = Int.random(in: 0...6, using: &self.random)
                var attempts = 0
                while elements.count < count && attempts < 200 {
                    attempts += 1
                    let candidate = self.value(depth: depth)
                    if AMQPArray.ElementType(of: candidate) == elementType {
                        elements.append(candidate)
                    }
                }
                let descriptor: AMQPValue? = Bool.random(using: &self.random) ? nil : .ulong(self.int(UInt64.self))
                return AMQPArray(elementType: elementType, descriptor: descriptor, elements: elements)
                    ?? AMQPArray(symbols: [])
            }
            return AMQPArray(symbols: [self.string(maxLength: 5)])
        }
    }

    @Test("10,000 random values encode and decode back to themselves")
    func randomValues() throws {
        var generator = ValueGenerator(random: SeededRandomNumberGenerator(seed: 0xA11CE))
        var buffer = ByteBuffer()
        for _ in 0..<10_000 {
            let value = generator.value(depth: 3)
            buffer.clear()
            buffer.writeAMQPValue(value)
            let encoded = buffer
            let decoded = try AMQPValue(decoding: &buffer)
            #expect(decoded == value, "\(encoded.hexString)")
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test("Random performatives in frames round-trip through the frame decoder")
    func randomFrames() throws {
        var generator = ValueGenerator(random: SeededRandomNumberGenerator(seed: 42))
        var random = SeededRandomNumberGenerator(seed: 7)
        for _ in 0..<2_000 {
            let tag = generator.bytes(maxLength: 32)
            let performatives: [AMQPPerformative] = [
                .open(
                    AMQPOpen(
                        containerID: generator.string(maxLength: 20),
                        maxFrameSize: UInt32.random(in: 512...UInt32.max, using: &random),
                        properties: [.symbol("p"): generator.value(depth: 2)]
                    )
                ),
                .begin(
                    AMQPBegin(
                        remoteChannel: Bool.random(using: &random) ? nil : 1,
                        nextOutgoingID: generator.int(UInt32.self),
                        incomingWindow: generator.int(UInt32.self),
                        outgoingWindow: 5
                    )
                ),
                .attach(
                    AMQPAttach(
                        name: generator.string(maxLength: 30),
                        handle: generator.int(UInt32.self),
                        role: .receiver,
                        source: AMQPSource(address: "a", filter: [.symbol("f"): generator.value(depth: 2)]),
                        target: .target(AMQPTarget(address: "b")),
                        maxMessageSize: generator.int(UInt64.self)
                    )
                ),
                .flow(
                    AMQPFlow(
                        incomingWindow: generator.int(UInt32.self),
                        nextOutgoingID: 1,
                        outgoingWindow: 2,
                        handle: 3,
                        linkCredit: generator.int(UInt32.self),
                        drain: Bool.random(using: &random)
                    )
                ),
                .transfer(
                    AMQPTransfer(
                        handle: generator.int(UInt32.self),
                        deliveryID: generator.int(UInt32.self),
                        deliveryTag: tag,
                        more: Bool.random(using: &random)
                    )
                ),
                .disposition(
                    AMQPDisposition(
                        role: .sender,
                        first: generator.int(UInt32.self),
                        settled: true,
                        state: .modified(AMQPModified(deliveryFailed: true))
                    )
                ),
                .detach(
                    AMQPDetach(
                        handle: 1,
                        closed: true,
                        error: AMQPError(condition: .internalError, description: generator.string(maxLength: 300))
                    )
                ),
            ]
            let performative = performatives[Int.random(in: 0..<performatives.count, using: &random)]
            let payload = generator.bytes(maxLength: 64)
            var buffer = ByteBuffer()
            buffer.writeAMQPFrame(channel: 9, performative: performative, payload: payload)
            var decoder = AMQPFrameDecoder(maximumFrameSize: .max, expectingProtocolHeader: false)
            let decoded = try decoder.decode(buffer: &buffer)
            #expect(decoded == .frame(AMQPFrame(channel: 9, performative: performative, payload: payload)))
        }
    }
}
