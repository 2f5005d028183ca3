extension MQTTReasonCode {
    /// The MQTT 3.1.1 CONNACK return code for this reason code (MQTT 3.1.1 section 3.2.2.3).
    ///
    /// MQTT 3.1.1 has only five refusal codes, so MQTT 5.0 reason codes without an equivalent map to
    /// the nearest one: authorization failures to "not authorized", everything else to "server unavailable".
    var connectReturnCodeV3: UInt8 {
        switch self {
        case .success: return 0x00
        case .unsupportedProtocolVersion: return 0x01
        case .clientIdentifierNotValid: return 0x02
        case .badUserNameOrPassword: return 0x04
        case .notAuthorized, .banned, .badAuthenticationMethod: return 0x05
        default: return 0x03
        }
    }

    /// The reason code equivalent to an MQTT 3.1.1 CONNACK return code, or nil for values 3.1.1 reserves.
    init?(connectReturnCodeV3 returnCode: UInt8) {
        switch returnCode {
        case 0x00: self = .success
        case 0x01: self = .unsupportedProtocolVersion
        case 0x02: self = .clientIdentifierNotValid
        case 0x03: self = .serverUnavailable
        case 0x04: self = .badUserNameOrPassword
        case 0x05: self = .notAuthorized
        default: return nil
        }
    }

    /// The MQTT 3.1.1 SUBACK return code (section 3.9.3): granted QoS 0-2, or 0x80 for any failure.
    var subscribeReturnCodeV3: UInt8 {
        self.isFailure || self.rawValue > 2 ? 0x80 : self.rawValue
    }

    /// The reason code equivalent to an MQTT 3.1.1 SUBACK return code, or nil for values 3.1.1 reserves.
    init?(subscribeReturnCodeV3 returnCode: UInt8) {
        switch returnCode {
        case 0x00, 0x01, 0x02: self.init(rawValue: returnCode)
        case 0x80: self = .unspecifiedError
        default: return nil
        }
    }
}
