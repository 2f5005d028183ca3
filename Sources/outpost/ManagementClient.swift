import BrokerManagement
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for the management API: one keep-alive connection, one
/// request at a time (the CLI never needs more).
final class ManagementClient {
    let baseURL: String
    private let host: String
    private let port: Int
    private let basePath: String
    private let token: String
    private var channel: (any Channel)?
    private let handler = ResponseHandler()

    init(url: String, token: String) throws {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host, !host.isEmpty else {
            throw CLIError.usage("--url must be http://HOST:PORT (got '\(url)')")
        }
        self.baseURL = url
        self.host = host
        self.port = components.port ?? 80
        self.basePath = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        self.token = token
    }

    deinit {
        try? self.channel?.close().wait()
    }

    struct Reply {
        var status: Int
        var body: ByteBuffer

        var data: Data { Data(self.body.readableBytesView) }
    }

    /// Percent-encodes a path segment (queue names may hold '/').
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: (some Encodable)? = Optional<String>.none) async throws -> Reply {
        var uri = self.basePath + path
        if !query.isEmpty {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            uri += "?" + query.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
        }
        var payload: ByteBuffer?
        if let body {
            payload = ByteBuffer(bytes: try JSONEncoder().encode(body))
        }
        do {
            return try await self.perform(method: method, uri: uri, body: payload)
        } catch let error as CLIError {
            throw error
        } catch {
            // One retry on a fresh connection: the server may have closed an idle one.
            self.channel = nil
            do {
                return try await self.perform(method: method, uri: uri, body: payload)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError.failed(
                    "cannot reach the management API at \(self.baseURL): \(error). Is the daemon running? (start it with `outpost run`, or pass --url)"
                )
            }
        }
    }

    /// Sends and decodes a 2xx JSON answer; a JSON error answer becomes a `CLIError`.
    func call<Response: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        query: [(String, String)] = [],
        body: (some Encodable)? = Optional<String>.none,
        as type: Response.Type
    ) async throws -> Response {
        let reply = try await self.send(method, path, query: query, body: body)
        guard (200..<300).contains(reply.status) else { throw self.error(from: reply) }
        do {
            return try JSONDecoder().decode(Response.self, from: reply.data)
        } catch {
            throw CLIError.failed("unexpected answer from \(self.baseURL)\(path): \(error)")
        }
    }

    func error(from reply: Reply) -> CLIError {
        let detail: String
        if let body = try? JSONDecoder().decode(ErrorBody.self, from: reply.data) {
            detail = body.detail
        } else {
            detail = String(buffer: reply.body)
        }
        switch reply.status {
        case 401:
            return CLIError.failed(
                "the management API refused the token (401): \(detail). Pass --token, or --data-dir of the running daemon so the token is read from its management.token"
            )
        default:
            return CLIError.failed("\(detail) (HTTP \(reply.status))", status: reply.status)
        }
    }

    private func connection() async throws -> any Channel {
        if let channel = self.channel, channel.isActive { return channel }
        let handler = self.handler
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel = try await bootstrap.connect(host: self.host, port: self.port).get()
        self.channel = channel
        return channel
    }

    private func perform(method: HTTPMethod, uri: String, body: ByteBuffer?) async throws -> Reply {
        let channel = try await self.connection()
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(self.host):\(self.port)")
        headers.add(name: "Authorization", value: "Bearer \(self.token)")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "Content-Length", value: "\(body?.readableBytes ?? 0)")
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
        let promise = channel.eventLoop.makePromise(of: Reply.self)
        self.handler.expect(promise, on: channel.eventLoop)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return try await promise.futureResult.get()
    }
}

/// Collects one response at a time and completes the waiting request's promise.
private final class ResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: every property is touched only on the channel's event loop (`expect`
    // hops there), one request at a time.
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<ManagementClient.Reply>?
    private var status = 0
    private var body = ByteBuffer()

    func expect(_ promise: EventLoopPromise<ManagementClient.Reply>, on eventLoop: any EventLoop) {
        eventLoop.execute {
            self.promise = promise
            self.status = 0
            self.body.clear()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = Int(head.status.code)
        case .body(var part):
            self.body.writeBuffer(&part)
        case .end:
            let reply = ManagementClient.Reply(status: self.status, body: self.body)
            self.body = ByteBuffer()
            self.promise?.succeed(reply)
            self.promise = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise?.fail(ChannelError.eof)
        self.promise = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise?.fail(error)
        self.promise = nil
        context.close(promise: nil)
    }
}
