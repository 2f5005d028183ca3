/// The copy-on-write box of ``MQTTProperties``.
///
/// `@unchecked Sendable` is safe because ``MQTTProperties`` mutates a box only when
/// `isKnownUniquelyReferenced` proves no other value (and so no other thread) can see it; a shared
/// box is copied first, so a box that crossed threads is never written again.
final class MQTTPropertyStorage: @unchecked Sendable {
    var values: MQTTPropertyValues

    init(_ values: MQTTPropertyValues) {
        self.values = values
    }
}
