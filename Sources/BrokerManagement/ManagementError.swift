import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error of the management API, sent as JSON `{"error": "...", "detail": "..."}`
/// with its HTTP status. `error` is a short stable word for scripts, `detail` a sentence
/// for the operator that says what to do.
public struct ManagementError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let error: String
    public let detail: String

    public init(_ status: HTTPResponse.Status, _ error: String, _ detail: String) {
        self.status = status
        self.error = error
        self.detail = detail
    }

    public static func badRequest(_ detail: String) -> ManagementError { ManagementError(.badRequest, "bad-request", detail) }
    public static func notFound(_ detail: String) -> ManagementError { ManagementError(.notFound, "not-found", detail) }
    public static func conflict(_ detail: String) -> ManagementError { ManagementError(.conflict, "conflict", detail) }
    public static func unauthorized(_ detail: String) -> ManagementError { ManagementError(.unauthorized, "unauthorized", detail) }
    public static func internalError(_ detail: String) -> ManagementError { ManagementError(.internalServerError, "internal-error", detail) }
    public static func unavailable(_ detail: String) -> ManagementError { ManagementError(.serviceUnavailable, "unavailable", detail) }

    public var description: String { "\(self.status.code) \(self.error): \(self.detail)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ErrorBody(error: self.error, detail: self.detail)
        var response = try JSONEncoder().encode(body, from: request, context: context)
        response.status = self.status
        if self.status == .unauthorized {
            response.headers[HTTPField.Name.wwwAuthenticate] = "Bearer"
        }
        return response
    }
}

/// The JSON body of every error response.
public struct ErrorBody: Codable, Sendable, Equatable {
    public var error: String
    public var detail: String

    public init(error: String, detail: String) {
        self.error = error
        self.detail = detail
    }
}
