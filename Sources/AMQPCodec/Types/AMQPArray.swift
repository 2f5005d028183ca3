/// An AMQP array: elements of one type sharing one constructor (part 1, section 1.6.25).
///
/// The initializer checks that every element matches `elementType`, so encoding an array never fails.
public struct AMQPArray: Hashable, Sendable {
    /// The abstract type all elements share. The encoder picks the smallest width that fits all of them.
    public enum ElementType: Hashable, Sendable {
        case null, boolean, ubyte, ushort, uint, ulong, byte, short, int, long, float, double
        case decimal32, decimal64, decimal128, char, timestamp, uuid, binary, string, symbol
        case list, map, array
    }

    public let elementType: ElementType
    /// When set, every element is a described value with this descriptor; `elements` hold the
    /// undescribed values.
    public let descriptor: AMQPValue?
    public let elements: [AMQPValue]

    /// Returns nil when an element does not have the given element type.
    public init?(elementType: ElementType, descriptor: AMQPValue? = nil, elements: [AMQPValue]) {
        for element in elements where ElementType(of: element) != elementType {
            return nil
        }
        self.elementType = elementType
        self.descriptor = descriptor
        self.elements = elements
    }

    /// An array of symbols, the encoding of "multiple" symbol fields such as capabilities.
    public init(symbols: [String]) {
        self.elementType = .symbol
        self.descriptor = nil
        self.elements = symbols.map { .symbol($0) }
    }

    /// Used by the decoder, which builds elements of the right type by construction.
    init(uncheckedElementType elementType: ElementType, descriptor: AMQPValue?, elements: [AMQPValue]) {
        self.elementType = elementType
        self.descriptor = descriptor
        self.elements = elements
    }
}

extension AMQPArray.ElementType {
    /// The element type of a value, or nil for described values, which arrays carry through `descriptor`.
    init?(of value: AMQPValue) {
        switch value {
        case .null: self = .null
        case .boolean: self = .boolean
        case .ubyte: self = .ubyte
        case .ushort: self = .ushort
        case .uint: self = .uint
        case .ulong: self = .ulong
        case .byte: self = .byte
        case .short: self = .short
        case .int: self = .int
        case .long: self = .long
        case .float: self = .float
        case .double: self = .double
        case .decimal32: self = .decimal32
        case .decimal64: self = .decimal64
        case .decimal128: self = .decimal128
        case .char: self = .char
        case .timestamp: self = .timestamp
        case .uuid: self = .uuid
        case .binary: self = .binary
        case .string: self = .string
        case .symbol: self = .symbol
        case .list: self = .list
        case .map: self = .map
        case .array: self = .array
        case .described: return nil
        }
    }
}
