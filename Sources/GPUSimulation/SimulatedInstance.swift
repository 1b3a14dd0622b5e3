import Foundation

/// One simulated GPU instance: what its dcgm-exporter, its vLLM server and EC2's instance metadata service answer.
/// Tests (and `annals-gpu-sim`) script it; ``SimulationServer`` serves it.
public actor SimulatedInstance {
    /// Per GPU: utilisation in percent, framebuffer used and free in MiB.
    public var gpus: [(utilization: Double, used: Double, free: Double)] = [(40, 4_000, 12_000), (60, 8_000, 8_000)]
    public private(set) var dcgmAnswers = true
    public private(set) var waiting: Double = 3
    public private(set) var running: Double = 5
    /// Cumulative counts of finished requests by latency bucket (``latencyBounds``, then +Inf), as vLLM counts them.
    public private(set) var latencyCounts = [Double](repeating: 0, count: SimulatedInstance.latencyBounds.count + 1)
    public private(set) var latencySum = 0.0
    public private(set) var spotNotice = false
    public nonisolated let instanceID: String
    private var tokens: Set<String> = []
    /// Metadata requests refused for a missing or unknown token.
    public private(set) var refusedTokens = 0
    public private(set) var tokensIssued = 0

    /// vLLM's end-to-end latency buckets, in seconds (a subset of its defaults).
    public static let latencyBounds: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5]

    public init(instanceID: String) {
        self.instanceID = instanceID
    }

    /// Records `latencies` (seconds) as finished requests.
    public func finish(_ latencies: [Double]) {
        for latency in latencies {
            latencySum += latency
            let index = Self.latencyBounds.firstIndex { latency <= $0 } ?? Self.latencyBounds.count
            for bucket in index..<latencyCounts.count { latencyCounts[bucket] += 1 }
        }
    }

    /// A restarted inference server: its counters start again from zero.
    public func restartServer() {
        latencyCounts = latencyCounts.map { _ in 0 }
        latencySum = 0
    }

    public func set(dcgmAnswers: Bool) { self.dcgmAnswers = dcgmAnswers }
    public func set(waiting: Double) { self.waiting = waiting }
    public func set(running: Double) { self.running = running }
    public func set(spotNotice: Bool) { self.spotNotice = spotNotice }
    public func set(gpuUtilization percent: Double) { gpus = gpus.map { (percent, $0.used, $0.free) } }
    /// Every GPU's framebuffer: `used` MiB of `total`.
    public func set(memoryUsed used: Double, of total: Double) { gpus = gpus.map { ($0.utilization, used, max(0, total - used)) } }

    /// dcgm-exporter's page, nil while it does not answer.
    public func dcgmText() -> String? {
        guard dcgmAnswers else { return nil }
        let labels = { (index: Int) in
            "gpu=\"\(index)\",UUID=\"GPU-\(self.instanceID)-\(index)\",device=\"nvidia\(index)\",modelName=\"NVIDIA A10G\",Hostname=\"\(self.instanceID)\""
        }
        var text = "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"
        for (index, gpu) in gpus.enumerated() { text += "DCGM_FI_DEV_GPU_UTIL{\(labels(index))} \(gpu.utilization)\n" }
        text += "# HELP DCGM_FI_DEV_FB_FREE Framebuffer memory free (in MiB).\n# TYPE DCGM_FI_DEV_FB_FREE gauge\n"
        for (index, gpu) in gpus.enumerated() { text += "DCGM_FI_DEV_FB_FREE{\(labels(index))} \(gpu.free)\n" }
        text += "# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).\n# TYPE DCGM_FI_DEV_FB_USED gauge\n"
        for (index, gpu) in gpus.enumerated() { text += "DCGM_FI_DEV_FB_USED{\(labels(index))} \(gpu.used)\n" }
        return text
    }

    /// The vLLM server's page.
    public func vllmText() -> String {
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

    /// IMDSv2: a token for a `PUT /latest/api/token` asking a lifetime of 1 to 21600 seconds, else nil.
    func issueToken(ttl: String?) -> String? {
        guard let ttl, let seconds = Int(ttl), (1...21_600).contains(seconds) else { return nil }
        tokensIssued += 1
        let token = "token-\(instanceID)-\(tokensIssued)"
        tokens.insert(token)
        return token
    }

    /// Whether a metadata request carries a token this instance issued (counted when not).
    func accepts(_ token: String?) -> Bool {
        guard let token, tokens.contains(token) else {
            refusedTokens += 1
            return false
        }
        return true
    }
}
