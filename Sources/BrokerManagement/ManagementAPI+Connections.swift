import BrokerCore
import Hummingbird

extension ManagementAPI {
    func addConnectionRoutes(_ api: RouterGroup<BasicRequestContext>) {
        api.get("connections") { _, _ in
            try Self.json(ConnectionList(connections: self.connections.all.map(ConnectionView.init)))
        }

        api.delete("connections/{id}") { _, context in
            let text = try Self.parameter("id", context)
            guard let id = UInt64(text) else { throw ManagementError.badRequest("a connection id is a number, got '\(text)'") }
            guard self.connections.close(id) else {
                throw ManagementError.notFound("no connection \(id) (it may have closed already)")
            }
            return try Self.json(["closed": id])
        }
    }

    func addUplinkRoutes(_ api: RouterGroup<BasicRequestContext>) {
        api.get("uplinks") { _, _ in
            try Self.json(UplinkList(uplinks: await self.uplinks.status()))
        }

        api.get("uplinks/{name}") { _, context in
            let name = try Self.parameter("name", context)
            guard let status = await self.uplinks.status().first(where: { $0.name == name }) else {
                throw ManagementError.notFound("no uplink named '\(name)'")
            }
            return try Self.json(status)
        }

        // flush, pause, resume: one uplink by name, or all with POST /api/v1/uplinks/{action}.
        for action in ["flush", "pause", "resume"] {
            api.post("uplinks/\(action)") { _, _ in
                let names = await self.uplinks.status().map(\.name)
                for name in names { _ = await self.perform(action, on: name) }
                return try Self.json(UplinkActionResult(action: action, uplinks: names))
            }
            api.post("uplinks/{name}/\(action)") { _, context in
                let name = try Self.parameter("name", context)
                guard await self.perform(action, on: name) else {
                    throw ManagementError.notFound("no uplink named '\(name)'")
                }
                return try Self.json(UplinkActionResult(action: action, uplinks: [name]))
            }
        }
    }

    private func perform(_ action: String, on name: String) async -> Bool {
        switch action {
        case "flush": await self.uplinks.flush(name)
        case "pause": await self.uplinks.pause(name)
        default: await self.uplinks.resume(name)
        }
    }
}

/// The answer to flush, pause and resume: which uplinks it applied to.
public struct UplinkActionResult: Codable, Sendable {
    public var action: String
    public var uplinks: [String]
}
