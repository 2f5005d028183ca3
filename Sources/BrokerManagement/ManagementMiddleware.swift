import HTTPTypes
import Hummingbird
import Logging

/// Requires `Authorization: Bearer <token>` on every route it guards.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw ManagementError.unauthorized(
                "missing 'Authorization: Bearer <token>'; the token is in management.token in the data directory"
            )
        }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix.lowercased()),
            ManagementToken.matches(header.dropFirst(prefix.count).drop { $0 == " " }, self.token)
        else {
            throw ManagementError.unauthorized("wrong token; use the one in management.token in the data directory of this node")
        }
        return try await next(request, context)
    }
}

/// Turns every error into the JSON error shape with the right status: ours pass
/// through, Hummingbird's (404 no route, 405, body too large) keep their status.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ManagementError {
            throw error
        } catch let error as HTTPError {
            let word: String =
                switch error.status {
                case .notFound: "not-found"
                case .methodNotAllowed: "method-not-allowed"
                case .badRequest: "bad-request"
                case .contentTooLarge: "too-large"
                case .unauthorized: "unauthorized"
                default: "http-\(error.status.code)"
                }
            let detail = error.body ?? (error.status == .notFound ? "no route \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            throw ManagementError(error.status, word, detail)
        } catch let error as any HTTPResponseError {
            throw ManagementError(error.status, "http-\(error.status.code)", "\(error)")
        } catch {
            self.logger.error("management request failed", metadata: ["outpost.path": "\(request.uri.path)", "outpost.error": "\(error)"])
            throw ManagementError.internalError("\(error)")
        }
    }
}
