import AnnalsEvents
import Foundation
import GPUSimulation
import Kafka
import Logging
import MetricsAgent
import ServiceLifecycle
import Testing
import TestSupport

/// The agent against a simulated instance (dcgm-exporter, vLLM, IMDSv2) and the dev broker.
@Suite(.timeLimit(.minutes(4))) struct MetricsAgentServiceTests {
    static let logger = Logger(label: "test.metrics-agent")

    @Test func samplesCarryTheReadingsSurviveSourceAndBrokerOutagesAndAreFlushedOnStop() async throws {
        let fleet = SimulatedInstance(instanceID: "i-0fake0000000000001")
        try await SimulationServer.run([fleet]) { bases in
            let base = bases[0]
            let kafka = try TestKafkaCluster(topics: ["metric-sample": 3])
            let settings = AgentSettings(
                tier: .gold, dcgmURL: base + "/dcgm/metrics", inferenceURL: base + "/vllm/metrics",
                queueMetric: "vllm:num_requests_waiting", latencyHistogram: "vllm:e2e_request_latency_seconds",
                imdsURL: base, interval: .seconds(3), scrapeTimeout: .milliseconds(2_500))
            let agent = try MetricsAgentService(settings: settings, kafka: kafka.config, logger: Self.logger)
            let group = ServiceGroup(services: [agent], logger: Self.logger)
            let running = Task { try await group.run() }

            // A sample of a round every source answered (a busy host may miss the first): the instance from IMDS, the
            // GPU and queue readings, and no latency before any request finished.
            let first = try #require(try await Self.waitForSamples(kafka, "a sample of every source") {
                $0.contains { $0.hasGpuUtilization && $0.hasQueueDepth }
            }.first { $0.hasGpuUtilization && $0.hasQueueDepth })
            #expect(first.instanceID == fleet.instanceID)
            #expect(first.tier == .gold)
            #expect(first.gpuUtilization == 0.5, "mean of 40% and 60%")
            #expect(first.gpuMemoryUtilization == 0.5, "the fuller GPU: 8000 of 16000 MiB")
            #expect(first.hasQueueDepth && first.queueDepth == 3)
            #expect(!first.hasLatencyP95Seconds, "no request finished yet: no P95, not zero")
            #expect(!first.hasActivePlayers, "no players gauge was named")
            #expect(!first.spotInterruptionNotice)
            let milliseconds = first.sampledAt.seconds * 1_000 + Int64(first.sampledAt.nanos / 1_000_000)
            #expect(first.meta.eventID == "\(fleet.instanceID)@\(milliseconds)")

            // 19 requests of 0.2 s and one of 3 s: the interval's P95 is in the 0.1–0.25 bucket, at its top.
            await fleet.finish(Array(repeating: 0.2, count: 19) + [3.0])
            let withLatency = try await Self.waitForSamples(kafka, "a sample with the interval's P95") {
                $0.contains { $0.hasLatencyP95Seconds }
            }.first { $0.hasLatencyP95Seconds }
            #expect(withLatency?.latencyP95Seconds == 0.25)

            // dcgm-exporter stops answering: its fields are absent, the rest still sampled; then it comes back.
            await fleet.set(dcgmAnswers: false)
            try await Self.waitForSamples(kafka, "a sample without GPU readings") {
                $0.contains { !$0.hasGpuUtilization && !$0.hasGpuMemoryUtilization && $0.hasQueueDepth }
            }
            await fleet.set(dcgmAnswers: true)
            await fleet.set(spotNotice: true)
            let notice = try await Self.waitForSamples(kafka, "a sample with the spot notice") {
                $0.contains { $0.spotInterruptionNotice }
            }.first { $0.spotInterruptionNotice }
            #expect(notice?.hasGpuUtilization == true, "dcgm-exporter answers again")

            // The broker is down for 30 s: sampling goes on into the buffer, and nothing is lost.
            try kafka.cluster.setBrokerDown(1)
            let downAt = agent.snapshot.samplesTaken
            try await waitUntil(timeout: .seconds(90), description: "30 s of sampling with the broker down") {
                agent.snapshot.samplesTaken >= downAt + 10
            }
            #expect(agent.snapshot.buffered > 0)
            try kafka.cluster.setBrokerUp(1)
            let upAt = agent.snapshot.samplesTaken
            try await Self.waitForSamples(kafka, "every sample taken during the outage") { $0.count >= upAt }

            // The broker goes down again; samples wait; it comes back and the agent is stopped at once: it sends
            // what is buffered before it exits.
            try kafka.cluster.setBrokerDown(1)
            let secondDown = agent.snapshot.samplesTaken
            try await waitUntil(timeout: .seconds(30), description: "samples buffered") {
                agent.snapshot.samplesTaken >= secondDown + 3 && agent.snapshot.buffered >= 3
            }
            try kafka.cluster.setBrokerUp(1)
            await group.triggerGracefulShutdown()
            try await running.value
            let taken = agent.snapshot.samplesTaken
            let published = try await Self.waitForSamples(kafka, "every sample taken, after the stop") { $0.count >= taken }
            #expect(published.count == taken, "each sample once")
            #expect(Set(published.map(\.meta.eventID)).count == published.count)
            #expect(agent.snapshot.dropped == 0)
            #expect(await fleet.refusedTokens == 0, "every metadata request carried a token")
            #expect(await fleet.tokensIssued >= 1)
        }
    }

    /// Every sample on metric-sample so far, in offset order per partition, once `condition` holds of them.
    @discardableResult
    static func waitForSamples(_ kafka: TestKafkaCluster, _ what: String, timeout: Duration = .seconds(120),
                               _ condition: @escaping @Sendable ([MetricSample]) -> Bool) async throws -> [MetricSample] {
        var samples: [MetricSample] = []
        try await waitUntil(timeout: timeout, pollInterval: .milliseconds(500), description: what) {
            samples = try await Self.samples(kafka)
            return condition(samples)
        }
        return samples
    }

    static func samples(_ kafka: TestKafkaCluster) async throws -> [MetricSample] {
        let config = kafka.config
        return try await onOwnThread {
            let ranges = try KafkaAdmin(config: config, logger: Self.logger).watermarks(ofTopics: ["metric-sample"])
            let messages = try KafkaConsumer.read(ranges, config: config, groupID: "agent-test-reader", logger: Self.logger)
            return try messages.compactMap { message in
                try message.value.map { try MetricSample(serializedBytes: $0) }
            }.sorted { ($0.sampledAt.seconds, $0.sampledAt.nanos) < ($1.sampledAt.seconds, $1.sampledAt.nanos) }
        }
    }
}

/// IMDSv2 sessions: a token is kept while it has more than a minute to live, and taken again after that.
@Suite struct InstanceMetadataTests {
    @Test func aTokenIsReusedUntilAMinuteBeforeItExpiresThenRenewed() async throws {
        let instance = SimulatedInstance(instanceID: "i-0tokens")
        try await SimulationServer.run([instance]) { (bases: [String]) async throws in
            let lasting = InstanceMetadata(baseURL: bases[0], client: .shared, timeout: .seconds(60), tokenLifetime: .seconds(3_600))
            #expect(try await lasting.instanceID() == "i-0tokens")
            #expect(try await lasting.spotInterruptionNotice() == false)
            #expect(try await lasting.spotInterruptionNotice() == false)
            #expect(await instance.tokensIssued == 1, "one token for three calls")

            // A token of 60 s has no more than a minute left from the start: each call takes a new one first.
            let brief = InstanceMetadata(baseURL: bases[0], client: .shared, timeout: .seconds(60), tokenLifetime: .seconds(60))
            await instance.set(spotNotice: true)
            #expect(try await brief.spotInterruptionNotice() == true)
            #expect(try await brief.spotInterruptionNotice() == true)
            #expect(await instance.tokensIssued == 3)
            #expect(await instance.refusedTokens == 0)
        }
    }
}
