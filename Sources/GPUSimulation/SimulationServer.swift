import Hummingbird
import LoopbackHTTP
import NIOCore

/// Serves simulated instances on one port, each under `/instances/<index>`: dcgm-exporter at `dcgm/metrics`, vLLM at
/// `vllm/metrics`, and IMDSv2 (tokens checked) at `latest/...`, so an agent's `--imds-url` is the instance's base.
public enum SimulationServer {
    /// The router serving `instances`.
    public static func router(_ instances: [SimulatedInstance]) -> Router<BasicRequestContext> {
        let router = Router()
        @Sendable func instance(_ context: BasicRequestContext) -> SimulatedInstance? {
            guard let index = context.parameters.get("index", as: Int.self), instances.indices.contains(index) else { return nil }
            return instances[index]
        }
        router.get("instances/:index/dcgm/metrics") { _, context -> Response in
            guard let page = await instance(context)?.dcgmText() else { return Response(status: .serviceUnavailable) }
            return text(page)
        }
        router.get("instances/:index/vllm/metrics") { _, context -> Response in
            guard let instance = instance(context) else { return Response(status: .notFound) }
            return text(await instance.vllmText())
        }
        router.put("instances/:index/latest/api/token") { request, context -> Response in
            guard let token = await instance(context)?.issueToken(ttl: header(request, "X-aws-ec2-metadata-token-ttl-seconds"))
            else { return Response(status: .badRequest) }
            return text(token)
        }
        router.get("instances/:index/latest/meta-data/instance-id") { request, context -> Response in
            guard let instance = instance(context), await instance.accepts(header(request, "X-aws-ec2-metadata-token")) else {
                return Response(status: .unauthorized)
            }
            return text(instance.instanceID)
        }
        router.get("instances/:index/latest/meta-data/spot/instance-action") { request, context -> Response in
            guard let instance = instance(context), await instance.accepts(header(request, "X-aws-ec2-metadata-token")) else {
                return Response(status: .unauthorized)
            }
            guard await instance.spotNotice else { return Response(status: .notFound) }
            return text(#"{"action": "terminate", "time": "2026-12-07T08:22:00Z"}"#)
        }
        return router
    }

    /// Runs `body` with a server of `instances` on 127.0.0.1 (a port of its own) and each instance's base URL, then
    /// stops the server.
    public static func run<Value: Sendable>(
        _ instances: [SimulatedInstance], _ body: @Sendable ([String]) async throws -> Value
    ) async throws -> Value {
        try await LoopbackServer.run(router(instances), label: "gpu-simulation") { port in
            try await body(instances.indices.map { "http://127.0.0.1:\(port)/instances/\($0)" })
        }
    }

    private static func header(_ request: Request, _ name: String) -> String? {
        request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    private static func text(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
