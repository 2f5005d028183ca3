/// Databases of opaque keyed records that front ends and the uplink keep in the store
/// (MQTT sessions, retained messages, uplink state, duplicate-detection windows).
/// The store commits them atomically with messages but does not interpret them.
public enum RecordKind: String, CaseIterable, Sendable {
    case mqttSessions = "mqtt_sessions"
    case retained = "retained"
    case uplinks = "uplinks"
    case duplicateIDs = "duplicate_ids"
    case settings = "settings"
}
