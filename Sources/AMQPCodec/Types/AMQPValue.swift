import NIOCore

/// One value of the AMQP 1.0 type system (OASIS AMQP 1.0 part 1, "Types").
///
/// The case names the abstract type; the wire width is chosen by the encoder (always the smallest
/// encoding) and is not kept after decoding, except for arrays whose elements share one constructor.
public enum AMQPValue: Hashable, Sendable {
    case null
    case boolean(Bool)
    case ubyte(UInt8)
    case ushort(UInt16)
    case uint(UInt32)
    case ulong(UInt64)
    case byte(Int8)
    case short(Int16)
    case int(Int32)
    case long(Int64)
    case float(Float)
    case double(Double)
    /// IEEE 754-2008 decimal32, kept as its raw big-endian bits.
    case decimal32(UInt32)
    /// IEEE 754-2008 decimal64, kept as its raw big-endian bits.
    case decimal64(UInt64)
    /// IEEE 754-2008 decimal128, kept as its raw bytes.
    case decimal128(AMQPDecimal128)
    case char(Unicode.Scalar)
    /// Milliseconds since the Unix epoch.
    case timestamp(Int64)
    case uuid(AMQPUUID)
    /// A slice of the decoded buffer; decoding does not copy it.
    case binary(ByteBuffer)
    case string(String)
    /// Symbols are ASCII names; decoding accepts any valid UTF-8.
    case symbol(String)
    case list([AMQPValue])
    case map(AMQPMap)
    indirect case array(AMQPArray)
    indirect case described(descriptor: AMQPValue, value: AMQPValue)
}

extension AMQPValue {
    /// The descriptor code of a described value whose descriptor is a `ulong`, or the code a known
    /// symbolic descriptor stands for.
    public var descriptorCode: UInt64? {
        guard case .described(let descriptor, _) = self else { return nil }
        switch descriptor {
        case .ulong(let code): return code
        case .symbol(let name): return AMQPDescriptor.code(forSymbolicName: name)
        default: return nil
        }
    }
}
