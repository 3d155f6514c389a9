import Hummingbird

/// Every gate response says its type is final (`nosniff`) and must not be cached (`no-store`: answers
/// carry tokens), unless it set its own caching (the web client's files are revalidated by ETag).
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
