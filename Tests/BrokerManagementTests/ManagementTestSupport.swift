import BrokerCore
import BrokerManagement
import BrokerStore
import BrokerTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

let testToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/// A broker in a temporary directory with the management API in front of it.
final class ManagementHarness: @unchecked Sendable {
    // @unchecked: the test broker is only used by the test that owns the harness, in sequence.
    let testBroker: TestBroker
    let connections = ConnectionRegistry()
    let api: ManagementAPI
    let readiness = ReadinessFlag()

    init(uplinks: any UplinkControl = NoUplinks(), existing: TestBroker? = nil) throws {
        self.testBroker = try existing ?? TestBroker()
        let readiness = self.readiness
        readiness.set(true)
        self.api = ManagementAPI(
            broker: self.testBroker.broker,
            connections: self.connections,
            uplinks: uplinks,
            token: testToken,
            readiness: { readiness.isReady }
        )
    }

    var broker: Broker { self.testBroker.broker }

    func publish(_ address: String, _ texts: [String], priority: UInt8? = nil, durable: Bool = true) throws {
        for text in texts { try self.testBroker.publish(address, text, priority: priority, durable: durable) }
    }

    func publish(_ address: String, body: ByteBuffer, origin: MessageOrigin) throws {
        let result = BlockingResult<Result<Void, BrokerError>>()
        self.broker.publish(IncomingMessage(address: address, origin: origin, body: body)) { result.set($0) }
        try result.wait().get()
    }

    /// Runs `body` against the router (no sockets).
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: self.api.buildRouter())
        try await app.test(.router) { client in try await body(client) }
    }
}

extension TestClientProtocol {
    /// A request with the test token (or `token`), an optional JSON body.
    func call(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String? = testToken,
        json: (any Encodable)? = nil
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONEncoder().encode(json))
        }
        return try await self.execute(uri: uri, method: method, headers: headers, body: body)
    }
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(self.body.readableBytesView))
    }

    var text: String { String(buffer: self.body) }
}

/// An uplink control with fixed answers, to check the API's shape.
struct FakeUplinks: UplinkControl {
    let uplinks: [UplinkStatus]
    func status() async -> [UplinkStatus] { self.uplinks }
    func flush(_ name: String) async -> Bool { self.uplinks.contains { $0.name == name } }
    func pause(_ name: String) async -> Bool { self.uplinks.contains { $0.name == name } }
    func resume(_ name: String) async -> Bool { self.uplinks.contains { $0.name == name } }
}
