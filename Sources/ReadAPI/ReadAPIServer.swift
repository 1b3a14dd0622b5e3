import Dispatch
import Hummingbird
import Logging
import Postgres
import Prometheus
import ServiceLifecycle
import WorkerHTTP

/// `annals-api` as a ServiceLifecycle service: the `/v1` read API, the web page and `/openapi.json`, with
/// `/healthz`, `/readyz` (the database answers) and `/metrics` (Prometheus: requests by endpoint and status,
/// their latency, search cache hits, rate-limited requests), stopped by SIGTERM.
public struct ReadAPIServer: Sendable {
    public var api: ReadAPI
    public var settings: ReadAPISettings
    public var registry: PrometheusCollectorRegistry

    public init(api: ReadAPI, settings: ReadAPISettings, registry: PrometheusCollectorRegistry) {
        self.api = api
        self.settings = settings
        self.registry = registry
    }

    /// Every route behind the middleware.
    public func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: AccessMiddleware(settings: settings))
        router.get("healthz") { _, _ in ReadAPI.staticResponse(Array("ok\n".utf8), contentType: "text/plain; charset=utf-8") }
        router.get("readyz") { _, _ in
            guard let problem = await api.databaseProblem() else {
                return ReadAPI.staticResponse(Array("{\"ready\":true}\n".utf8), contentType: "application/json")
            }
            throw APIError.unavailable("not ready: \(problem)")
        }
        router.get("metrics") { _, _ in WorkerEndpoints.metricsResponse(registry) }
        api.addRoutes(to: router)
        return router
    }

    /// The HTTP server bound to `host:port`, as a service.
    public func application(host: String, port: Int, logger: Logger) -> some Service {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "annals-api"),
                    logger: logger)
    }
}
