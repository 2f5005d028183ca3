@testable import MQTTEngine
import MQTTCodec

/// Test-only views of actions: a name per case plus the packet, so scripts read as
/// "events in, expected actions out".
extension MQTTSessionAction {
    var sentPacket: MQTTPacket? {
        if case .send(let packet) = self { return packet }
        return nil
    }

    var closePacket: MQTTPacket?? {
        if case .close(let packet, _) = self { return .some(packet) }
        return nil
    }

    var isClose: Bool { self.closePacket != nil }

    var publication: MQTTIncomingPublication? {
        if case .publish(let publication) = self { return publication }
        return nil
    }

    var name: String {
        switch self {
        case .send(let packet): return "send(\(packet.packetType))"
        case .authenticate: return "authenticate"
        case .attachSession: return "attachSession"
        case .startKeepAlive: return "startKeepAlive"
        case .publish: return "publish"
        case .resumeSubscriptions: return "resumeSubscriptions"
        case .subscribe: return "subscribe"
        case .unsubscribe: return "unsubscribe"
        case .acknowledge: return "acknowledge"
        case .grantCredit: return "grantCredit"
        case .storePacketID(let incoming, _, let held): return "storePacketID(\(incoming ? "in" : "out"),\(held))"
        case .saveSubscriptions: return "saveSubscriptions"
        case .close: return "close"
        case .endSession: return "endSession"
        }
    }
}

extension Array where Element == MQTTSessionAction {
    var names: [String] { self.map(\.name) }
    var sentPackets: [MQTTPacket] { self.compactMap(\.sentPacket) }
}

/// The reason code of a DISCONNECT or CONNACK a close action sends.
func reasonCode(of actions: [MQTTSessionAction]) -> MQTTReasonCode? {
    for action in actions {
        switch action.closePacket {
        case .some(.some(.disconnect(let packet))): return packet.reasonCode
        case .some(.some(.connAck(let packet))): return packet.reasonCode
        default: continue
        }
    }
    return nil
}
