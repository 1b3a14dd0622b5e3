import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// One simulated GPU instance on 127.0.0.1: dcgm-exporter at `/dcgm`, a vLLM server's metrics at `/vllm`, and EC2's
/// instance metadata service (IMDSv2, tokens checked) at the root. The test scripts what each answers.
actor FakeFleet {
    /// Per GPU: utilisation in percent, framebuffer used and free in MiB.
    var gpus: [(utilization: Double, used: Double, free: Double)] = [(40, 4_000, 12_000), (60, 8_000, 8_000)]
    var dcgmAnswers = true
    var waiting: Double = 3
    var running: Double = 5
    /// Cumulative counts of finished requests by latency bucket, as vLLM's histogram counts them.
    private(set) var latencyCounts = [Double](repeating: 0, count: FakeFleet.latencyBounds.count + 1)
    private(set) var latencySum = 0.0
    var spotNotice = false
    let instanceID = "i-0fake0000000000001"
    private var tokens: Set<String> = []
    /// Metadata requests refused for a missing or unknown token.
    private(set) var refusedTokens = 0
    private(set) var tokensIssued = 0

    static let latencyBounds: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5]

    /// Records `latencies` (seconds) as finished requests.
    func finish(_ latencies: [Double]) {
        for latency in latencies {
            latencySum += latency
            let index = Self.latencyBounds.firstIndex { latency <= $0 } ?? Self.latencyBounds.count
            for bucket in index..<latencyCounts.count { latencyCounts[bucket] += 1 }
        }
    }

    /// A restarted server: its counters start again from zero.
    func restartServer() {
        latencyCounts = latencyCounts.map { _ in 0 }
        latencySum = 0
    }

    func set(dcgmAnswers: Bool) { self.dcgmAnswers = dcgmAnswers }
    func set(waiting: Double) { self.waiting = waiting }
    func set(spotNotice: Bool) { self.spotNotice = spotNotice }

    func dcgmText() -> String? {
        guard dcgmAnswers else { return nil }
        var text = "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"
        for (index, gpu) in gpus.enumerated() {
            text += "DCGM_FI_DEV_GPU_UTIL{gpu=\"\(index)\",UUID=\"GPU-\(index)\",device=\"nvidia\(index)\",modelName=\"NVIDIA A10G\",Hostname=\"fake\"} \(gpu.utilization)\n"
        }
        text += "# HELP DCGM_FI_DEV_FB_FREE Framebuffer memory free (in MiB).\n# TYPE DCGM_FI_DEV_FB_FREE gauge\n"
        for (index, gpu) in gpus.enumerated() {
            text += "DCGM_FI_DEV_FB_FREE{gpu=\"\(index)\",UUID=\"GPU-\(index)\",device=\"nvidia\(index)\",modelName=\"NVIDIA A10G\",Hostname=\"fake\"} \(gpu.free)\n"
        }
        text += "# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).\n# TYPE DCGM_FI_DEV_FB_USED gauge\n"
        for (index, gpu) in gpus.enumerated() {
            text += "DCGM_FI_DEV_FB_USED{gpu=\"\(index)\",UUID=\"GPU-\(index)\",device=\"nvidia\(index)\",modelName=\"NVIDIA A10G\",Hostname=\"fake\"} \(gpu.used)\n"
        }
        return text
    }

    func vllmText() -> String {
        let model = "model_name=\"meta-llama/Llama-3.1-8B-Instruct\""
        var text = """
        # HELP vllm:num_requests_running Number of requests currently running on GPU.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{\(model)} \(running)
        # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{\(model)} \(waiting)
        # HELP vllm:e2e_request_latency_seconds Histogram of end to end request latency in seconds.
        # TYPE vllm:e2e_request_latency_seconds histogram

        """
        for (index, bound) in Self.latencyBounds.enumerated() {
            text += "vllm:e2e_request_latency_seconds_bucket{le=\"\(bound)\",\(model)} \(latencyCounts[index])\n"
        }
        text += "vllm:e2e_request_latency_seconds_bucket{le=\"+Inf\",\(model)} \(latencyCounts.last ?? 0)\n"
        text += "vllm:e2e_request_latency_seconds_count{\(model)} \(latencyCounts.last ?? 0)\n"
        text += "vllm:e2e_request_latency_seconds_sum{\(model)} \(latencySum)\n"
        return text
    }

    private func issueToken(ttl: String?) -> String? {
        guard let ttl, let seconds = Int(ttl), (1...21_600).contains(seconds) else { return nil }
        tokensIssued += 1
        let token = "token-\(tokensIssued)"
        tokens.insert(token)
        return token
    }

    private func accepts(_ token: String?) -> Bool {
        guard let token, tokens.contains(token) else {
            refusedTokens += 1
            return false
        }
        return true
    }

    /// Runs `body` with the fleet's base URL (`http://127.0.0.1:<port>`), then stops the server.
    static func run<Value: Sendable>(_ body: @Sendable (FakeFleet, String) async throws -> Value) async throws -> Value {
        let fleet = FakeFleet()
        let quiet = Logger(label: "fake-fleet", factory: { _ in SwiftLogNoOpLogHandler() })
        let router = Router()
        router.get("dcgm/metrics") { _, _ -> Response in
            guard let text = await fleet.dcgmText() else { return Response(status: .serviceUnavailable) }
            return Self.text(text)
        }
        router.get("vllm/metrics") { _, _ in Self.text(await fleet.vllmText()) }
        router.put("latest/api/token") { request, _ -> Response in
            guard let token = await fleet.issueToken(ttl: Self.header(request, "X-aws-ec2-metadata-token-ttl-seconds"))
            else { return Response(status: .badRequest) }
            return Self.text(token)
        }
        router.get("latest/meta-data/instance-id") { request, _ -> Response in
            guard await fleet.accepts(Self.header(request, "X-aws-ec2-metadata-token")) else {
                return Response(status: .unauthorized)
            }
            return Self.text(fleet.instanceID)
        }
        router.get("latest/meta-data/spot/instance-action") { request, _ -> Response in
            guard await fleet.accepts(Self.header(request, "X-aws-ec2-metadata-token")) else {
                return Response(status: .unauthorized)
            }
            guard await fleet.spotNotice else { return Response(status: .notFound) }
            return Self.text(#"{"action": "terminate", "time": "2026-12-07T08:22:00Z"}"#)
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: quiet)
        let serviceGroup = ServiceGroup(services: [application], logger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                try await serviceGroup.run()
            }
            var firstPort = ports.makeAsyncIterator()
            guard let port = await firstPort.next(), port > 0 else {
                try await group.waitForAll()
                throw FakeFleetFailure()
            }
            let result: Result<Value, any Error>
            do {
                result = .success(try await body(fleet, "http://127.0.0.1:\(port)"))
            } catch {
                result = .failure(error)
            }
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
            return try result.get()
        }
    }

    private static func header(_ request: Request, _ name: String) -> String? {
        request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    private static func text(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

struct FakeFleetFailure: Error, CustomStringConvertible {
    var description: String { "the fake fleet server did not start listening" }
}
