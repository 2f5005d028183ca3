import NIOCore

/// Where the sections of an encoded message sit, found by skipping each value by its size: nothing
/// is decoded until asked for, and then only what is asked. For reading a few fields of many
/// messages cheaply (a selector reading one application property of each message in a queue).
///
/// Section order is not checked here (`AMQPEncodedMessage` does that when a message is received);
/// a section that appears twice is found at its first occurrence.
public struct AMQPMessageSections: Sendable {
    private let message: ByteBuffer
    private let header: Range<Int>?
    private let messageAnnotations: Range<Int>?
    private let properties: Range<Int>?
    private let applicationProperties: Range<Int>?

    /// Indexes `message` (header through footer, as stored); throws when a section is malformed.
    public init(indexing message: ByteBuffer) throws {
        self.message = message
        var input = message
        var header: Range<Int>?
        var messageAnnotations: Range<Int>?
        var properties: Range<Int>?
        var applicationProperties: Range<Int>?
        try AMQPDecoder.decode(&input) { decoder in
            while decoder.readableBytes > 0 {
                let start = decoder.readerIndex
                let code = try decoder.readDescriptorCode("message section")
                try decoder.skipValue(depth: 1)
                let range = start..<decoder.readerIndex
                switch code {
                case AMQPDescriptor.header: header = header ?? range
                case AMQPDescriptor.messageAnnotations: messageAnnotations = messageAnnotations ?? range
                case AMQPDescriptor.properties: properties = properties ?? range
                case AMQPDescriptor.applicationProperties: applicationProperties = applicationProperties ?? range
                default: break
                }
            }
        }
        self.header = header
        self.messageAnnotations = messageAnnotations
        self.properties = properties
        self.applicationProperties = applicationProperties
    }

    public func decodeHeader() throws -> AMQPHeader? {
        try self.decode(self.header) { try $0.readFields(of: AMQPHeader.self) }
    }

    public func decodeProperties() throws -> AMQPProperties? {
        try self.decode(self.properties) { try $0.readFields(of: AMQPProperties.self) }
    }

    public func decodeMessageAnnotations() throws -> AMQPMap? {
        try self.decode(self.messageAnnotations) { try $0.readMapSectionValue("message-annotations") }
    }

    /// The application property `name`, decoding that one value and only comparing the others'
    /// keys; nil when the message has no such property.
    public func applicationProperty(_ name: String) throws -> AMQPValue? {
        try self.findApplicationProperty(name) { try $0.readValue(depth: 1) }
    }

    /// The UTF-8 bytes of the string application property `name`, as a slice of the message (no
    /// String is made); nil when the message has no such property or its value is not a string.
    public func applicationStringProperty(_ name: String) throws -> ByteBuffer? {
        let slice: ByteBuffer?? = try self.findApplicationProperty(name) { decoder in
            guard decoder.peekByte() == AMQPFormatCode.string8 || decoder.peekByte() == AMQPFormatCode.string32 else {
                return nil
            }
            let formatCode = try decoder.readByte("string")
            let length = try decoder.readSize(wide: formatCode == AMQPFormatCode.string32, "string")
            return try decoder.readValidatedUTF8Slice(length: length, "string")
        }
        return slice ?? nil
    }

    /// Walks application-properties comparing keys with `name`; reads the matching value with `read`.
    private func findApplicationProperty<Value>(_ name: String, _ read: (inout AMQPDecoder) throws -> Value) throws -> Value? {
        let wanted = name.utf8
        let value: Value?? = try self.decode(self.applicationProperties) { decoder in
            let formatCode = try decoder.readByte("application-properties")
            guard formatCode == AMQPFormatCode.map8 || formatCode == AMQPFormatCode.map32 else {
                throw decoder.error(.unexpectedFormatCode, "application-properties", formatCode: formatCode)
            }
            let wide = formatCode == AMQPFormatCode.map32
            _ = try decoder.readSize(wide: wide, "application-properties")
            let count = wide ? AMQPDecoder.length(try decoder.readInteger(as: UInt32.self, "map count")) : Int(try decoder.readByte("map count"))
            for _ in 0..<(count / 2) {
                let matches: Bool
                switch decoder.peekByte() {
                case AMQPFormatCode.string8, AMQPFormatCode.string32:
                    let keyCode = try decoder.readByte("application-properties key")
                    let length = try decoder.readSize(wide: keyCode == AMQPFormatCode.string32, "application-properties key")
                    matches = try decoder.readBytes(length: length, equalTo: wanted, "application-properties key")
                default:
                    // Keys must be strings (part 3.2.5); skip anything else with its value.
                    try decoder.skipValue(depth: 1)
                    matches = false
                }
                if matches { return try read(&decoder) }
                try decoder.skipValue(depth: 1)
            }
            return nil
        }
        return value ?? nil
    }

    /// Decodes a section's value with `body` (after its descriptor); nil when the section is absent.
    private func decode<Value>(_ range: Range<Int>?, _ body: (inout AMQPDecoder) throws -> Value) throws -> Value? {
        guard let range, var bytes = self.message.getSlice(at: self.message.readerIndex + range.lowerBound, length: range.count) else {
            return nil
        }
        return try AMQPDecoder.decode(&bytes, offsetOfFirstByte: range.lowerBound) { decoder in
            _ = try decoder.readDescriptorCode("message section")
            return try body(&decoder)
        }
    }
}
