/// Where a selector looks up identifiers when it is evaluated against one message.
///
/// The JMS header identifiers (`JMSPriority`, `JMSMessageID`, `JMSCorrelationID`, `JMSType`, `JMSTimestamp`,
/// `JMSDeliveryMode`, `JMSExpiration`) are ordinary identifiers here: the source decides what they mean, for
/// example that `JMSDeliveryMode` is the string `'PERSISTENT'` or `'NON_PERSISTENT'`.
public protocol SelectorPropertySource {
    /// The value of a property or JMS header identifier, or nil when absent (SQL NULL).
    func selectorValue(for identifier: String) -> SelectorValue?
}
