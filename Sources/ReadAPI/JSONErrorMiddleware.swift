import Hummingbird

/// Renders Hummingbird's own errors (no such route, a body too large…) as `APIError` JSON, so every error the
/// API sends has the same shape; anything else unexpected becomes a 500 whose details stay in the log. The API is
/// read-only: any method but GET and HEAD is 405 with `Allow: GET, HEAD`.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            var response = try APIError(status: .methodNotAllowed, code: .methodNotAllowed,
                                        message: "\(request.method) is not served: the API is read-only (GET, HEAD)")
                .response(from: request, context: context)
            response.headers[.allow] = "GET, HEAD"
            return response
        }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            let code: APIError.Code = error.status == .notFound ? .notFound : .invalidParameter
            throw APIError(status: error.status, code: code,
                           message: error.status == .notFound ? "no such endpoint: \(request.uri.path)" : (error.body ?? error.status.reasonPhrase))
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(status: .internalServerError, code: .internalError, message: "internal error; see the server's log")
        }
    }
}
