/// Descriptor codes of the composite types this codec knows (domain 0x00000000, the AMQP domain).
///
/// Peers may send a descriptor either as this numeric code or as its symbolic name; both decode alike.
public enum AMQPDescriptor {
    public static let open: UInt64 = 0x10
    public static let begin: UInt64 = 0x11
    public static let attach: UInt64 = 0x12
    public static let flow: UInt64 = 0x13
    public static let transfer: UInt64 = 0x14
    public static let disposition: UInt64 = 0x15
    public static let detach: UInt64 = 0x16
    public static let end: UInt64 = 0x17
    public static let close: UInt64 = 0x18
    public static let error: UInt64 = 0x1d
    public static let received: UInt64 = 0x23
    public static let accepted: UInt64 = 0x24
    public static let rejected: UInt64 = 0x25
    public static let released: UInt64 = 0x26
    public static let modified: UInt64 = 0x27
    public static let source: UInt64 = 0x28
    public static let target: UInt64 = 0x29
    public static let deleteOnClose: UInt64 = 0x2b
    public static let deleteOnNoLinks: UInt64 = 0x2c
    public static let deleteOnNoMessages: UInt64 = 0x2d
    public static let deleteOnNoLinksOrMessages: UInt64 = 0x2e
    public static let coordinator: UInt64 = 0x30
    public static let declare: UInt64 = 0x31
    public static let discharge: UInt64 = 0x32
    public static let declared: UInt64 = 0x33
    public static let transactionalState: UInt64 = 0x34
    public static let saslMechanisms: UInt64 = 0x40
    public static let saslInit: UInt64 = 0x41
    public static let saslChallenge: UInt64 = 0x42
    public static let saslResponse: UInt64 = 0x43
    public static let saslOutcome: UInt64 = 0x44
    public static let header: UInt64 = 0x70
    public static let deliveryAnnotations: UInt64 = 0x71
    public static let messageAnnotations: UInt64 = 0x72
    public static let properties: UInt64 = 0x73
    public static let applicationProperties: UInt64 = 0x74
    public static let data: UInt64 = 0x75
    public static let amqpSequence: UInt64 = 0x76
    public static let amqpValue: UInt64 = 0x77
    public static let footer: UInt64 = 0x78

    private static let codesBySymbolicName: [String: UInt64] = [
        "amqp:open:list": open, "amqp:begin:list": begin, "amqp:attach:list": attach, "amqp:flow:list": flow,
        "amqp:transfer:list": transfer, "amqp:disposition:list": disposition, "amqp:detach:list": detach,
        "amqp:end:list": end, "amqp:close:list": close, "amqp:error:list": error,
        "amqp:received:list": received, "amqp:accepted:list": accepted, "amqp:rejected:list": rejected,
        "amqp:released:list": released, "amqp:modified:list": modified, "amqp:source:list": source,
        "amqp:target:list": target, "amqp:delete-on-close:list": deleteOnClose,
        "amqp:delete-on-no-links:list": deleteOnNoLinks, "amqp:delete-on-no-messages:list": deleteOnNoMessages,
        "amqp:delete-on-no-links-or-messages:list": deleteOnNoLinksOrMessages,
        "amqp:coordinator:list": coordinator, "amqp:declare:list": declare, "amqp:discharge:list": discharge,
        "amqp:declared:list": declared, "amqp:transactional-state:list": transactionalState,
        "amqp:sasl-mechanisms:list": saslMechanisms, "amqp:sasl-init:list": saslInit,
        "amqp:sasl-challenge:list": saslChallenge, "amqp:sasl-response:list": saslResponse,
        "amqp:sasl-outcome:list": saslOutcome, "amqp:header:list": header,
        "amqp:delivery-annotations:map": deliveryAnnotations, "amqp:message-annotations:map": messageAnnotations,
        "amqp:properties:list": properties, "amqp:application-properties:map": applicationProperties,
        "amqp:data:binary": data, "amqp:amqp-sequence:list": amqpSequence, "amqp:amqp-value:*": amqpValue,
        "amqp:footer:map": footer,
    ]

    /// The numeric code for a symbolic descriptor, or nil when the name is not one this codec knows.
    public static func code(forSymbolicName name: String) -> UInt64? {
        codesBySymbolicName[name]
    }
}
