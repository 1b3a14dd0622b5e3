import Dispatch
import Hummingbird
import Logging
import Metrics
import Prometheus
import Projection
import ServiceLifecycle

/// A worker's HTTP endpoints: `/healthz` (alive), `/readyz` (partitions assigned, database reachable, not stalled)
/// and `/metrics` (Prometheus text exposition of `registry`).
public struct WorkerEndpoints: Sendable {
    public var health: RunnerHealth
    public var registry: PrometheusCollectorRegistry
    /// Messages waiting longer than this without a commit make the worker unready.
    public var stallAfterNanoseconds: UInt64

    public init(health: RunnerHealth, registry: PrometheusCollectorRegistry, stallAfterNanoseconds: UInt64) {
        self.health = health
        self.registry = registry
        self.stallAfterNanoseconds = stallAfterNanoseconds
    }

    /// The router serving the three endpoints.
    public func router() -> Router<BasicRequestContext> {
        Self.router(registry: registry) { readiness() }
    }

    /// `/healthz` (alive), `/readyz` (what `readiness` answers) and `/metrics` (`registry`): the endpoints of any
    /// annals process.
    public static func router(registry: PrometheusCollectorRegistry,
                              readiness: @escaping @Sendable () -> Response) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("healthz") { _, _ in Self.response(.ok, contentType: "text/plain; charset=utf-8", "ok\n") }
        router.get("readyz") { _, _ in readiness() }
        router.get("metrics") { _, _ in Self.metricsResponse(registry) }
        return router
    }

    /// 200 when `failing` is empty, else 503: `{"ready":…,"failing":[…]}` with `fields` (JSON members) added.
    public static func readinessResponse(failing: [String], fields: [String] = []) -> Response {
        let members = ["\"ready\":\(failing.isEmpty)", "\"failing\":[\(failing.map(jsonString).joined(separator: ","))]"] + fields
        return response(failing.isEmpty ? .ok : .serviceUnavailable, contentType: "application/json",
                        "{" + members.joined(separator: ",") + "}\n")
    }

    /// `registry` in Prometheus text exposition, as `/metrics` serves it (the workers' and annals-api's).
    public static func metricsResponse(_ registry: PrometheusCollectorRegistry) -> Response {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// 200 `{"ready":true}` or 503 `{"ready":false,"failing":[...],...}` naming the failing checks.
    func readiness() -> Response {
        let snapshot = health.snapshot
        let failing = Readiness.failing(snapshot, now: DispatchTime.now().uptimeNanoseconds,
                                        stallAfterNanoseconds: stallAfterNanoseconds)
        var fields = ["\"assignedPartitions\":\(snapshot.assignedPartitions)", "\"backlog\":\(snapshot.backlog)"]
        if let error = snapshot.databaseError, failing.contains(.database) {
            fields.append("\"databaseError\":\(Self.jsonString(error))")
        }
        return Self.readinessResponse(failing: failing.map(\.rawValue), fields: fields)
    }

    /// The HTTP server as a ServiceLifecycle service, bound to `host:port`; it stops on graceful shutdown.
    /// A failure (such as the port being taken) is thrown as `WorkerHTTPError.serving`.
    public func service(host: String, port: Int, logger: Logger) -> some Service {
        Self.service(router(), host: host, port: port, logger: logger)
    }

    /// `router` served as a ServiceLifecycle service on `host:port`, stopping on graceful shutdown; a failure (such
    /// as the port being taken) is thrown as `WorkerHTTPError.serving`.
    public static func service(_ router: Router<BasicRequestContext>, host: String, port: Int, logger: Logger) -> some Service {
        EndpointService(
            application: Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "annals"),
                                     logger: logger),
            host: host, port: port)
    }

    private static func response(_ status: HTTPResponse.Status, contentType: String, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// `text` as a JSON string literal.
    public static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}

/// Installs Prometheus as the process's swift-metrics backend, once, and returns its registry.
public enum PrometheusBootstrap {
    private static let shared: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // A lagging worker's events are minutes old: the default buckets stop at 10 s, so reach to an hour; and
        // a healthy pipeline's latencies are tens to hundreds of milliseconds, so cut that range finely enough
        // for quantiles to mean something.
        factory.durationHistogramBuckets["annals_end_to_end_latency_seconds"] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(75),
            .milliseconds(100), .milliseconds(150), .milliseconds(200), .milliseconds(300), .milliseconds(400),
            .milliseconds(500), .milliseconds(750), .seconds(1), .seconds(1.5), .seconds(2.5), .seconds(5),
            .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(900), .seconds(3_600),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    public static var registry: PrometheusCollectorRegistry { shared }
}

/// The endpoints could not be served.
public enum WorkerHTTPError: Error, CustomStringConvertible {
    case serving(host: String, port: Int, detail: String)

    public var description: String {
        switch self {
        case .serving(let host, let port, let detail):
            "cannot serve /healthz, /readyz and /metrics on \(host):\(port) (\(detail)): "
                + "pass --http-port with a free port, or --http-port 0 to turn the endpoints off"
        }
    }
}

private struct EndpointService<Server: Service>: Service {
    var application: Server
    var host: String
    var port: Int

    func run() async throws {
        do {
            try await application.run()
        } catch {
            throw WorkerHTTPError.serving(host: host, port: port, detail: "\(error)")
        }
    }
}
