import Foundation
import Logging
import Postgres
import Prometheus
import ReadAPI
import ServiceLifecycle
import TestSupport
import WorkerHTTP

/// `annals-api`'s server running in this process on a free port, over a test database.
struct APIServerHarness {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(conninfo: String, settings: ReadAPISettings = ReadAPISettings()) async throws {
        let logger = Logger(label: "annals.api.test")
        port = try LocalHTTP.freePort()
        let api = ReadAPI(pool: PostgresConnectionPool(conninfo: conninfo, size: 2), settings: settings, logger: logger)
        let server = ReadAPIServer(api: api, settings: settings, registry: PrometheusBootstrap.registry)
        let group = ServiceGroup(services: [server.application(host: "127.0.0.1", port: port, logger: logger)],
                                 gracefulShutdownSignals: [], logger: logger)
        self.group = group
        task = Task { try await group.run() }
        let port = self.port
        try await waitUntil(timeout: .seconds(90), description: "the API answers /healthz on \(port)") {
            try await onOwnThread { try LocalHTTP.get(port: port, path: "/healthz")?.status == 200 }
        }
    }

    /// `GET path` on the server, with `headers`.
    func get(_ path: String, headers: [(name: String, value: String)] = []) async throws -> LocalHTTP.Response {
        let port = self.port
        guard let response = try await onOwnThread({ try LocalHTTP.response(port: port, path: path, headers: headers) }) else {
            throw TestSupportFailure("nothing answers on port \(port)")
        }
        return response
    }

    /// `GET path`, decoding a 200's JSON body as `T`.
    func json<T: Decodable>(_ path: String, as type: T.Type = T.self) async throws -> T {
        let response = try await get(path)
        guard response.status == 200 else { throw TestSupportFailure("GET \(path): \(response.status) \(response.body)") }
        return try JSONDecoder().decode(T.self, from: Data(response.body.utf8))
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// The error body every refusal has.
struct ErrorBody: Decodable, Equatable {
    struct Detail: Decodable, Equatable {
        var code: String
        var message: String
        var parameter: String?
    }
    var error: Detail
}
