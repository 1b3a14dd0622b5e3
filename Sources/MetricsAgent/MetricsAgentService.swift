import AnnalsEvents
import AsyncHTTPClient
import Dispatch
import Foundation
import Kafka
import Logging
import ServiceLifecycle
import Synchronization

/// `annals-metrics-agent`'s work: every interval, read the instance's sources into one `MetricSample` and buffer
/// it; beside that, send the buffer to metric-sample in order. Sampling never waits for the broker, and no source
/// being down stops the agent. On graceful shutdown it stops sampling and sends what is buffered, for at most
/// `drainTimeout`.
public final class MetricsAgentService: Service, Sendable {
    private let settings: AgentSettings
    private let client: HTTPClient
    private let logger: Logger
    private let metrics = AgentMetrics()
    private let publisher: SamplePublisher
    private let health = Shared(AgentHealth())
    private let drainTimeout: Duration
    private let now: @Sendable () -> Int64

    /// An agent sampling as `settings` say and producing to the brokers of `kafka`. `now` is the wall clock in Unix
    /// milliseconds (samples are stamped with it).
    public init(settings: AgentSettings, kafka: KafkaConfig, client: HTTPClient = .shared, logger: Logger,
                drainTimeout: Duration = .seconds(10),
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1_000) }) throws {
        self.settings = settings
        self.client = client
        self.logger = logger
        self.drainTimeout = drainTimeout
        self.now = now
        var kafka = kafka
        // A send that cannot be delivered fails within a minute and is retried from the buffer, so an outage shows
        // in readiness rather than hiding in librdkafka's queue for its default five minutes.
        if kafka["message.timeout.ms"] == nil { kafka["message.timeout.ms"] = "60000" }
        publisher = SamplePublisher(producer: try KafkaProducer(config: kafka, logger: logger),
                                    buffer: SampleBuffer(capacity: settings.bufferCapacity), health: health,
                                    metrics: metrics, logger: logger)
    }

    /// A copy of what the agent knows of its state, for `/readyz`.
    public var snapshot: AgentHealth { health.value }

    public func run() async {
        let metadata = settings.imdsURL.map { InstanceMetadata(baseURL: $0, client: client, timeout: settings.scrapeTimeout) }
        let instanceID = await resolveInstanceID(metadata)
        logger.info("sampling", metadata: [
            "tier": "\(settings.tier.name)", "instance": "\(instanceID)", "interval": "\(settings.interval)",
            "buffer-samples": "\(settings.bufferCapacity)",
        ])
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let sampling = Shared(true)
        await withDiscardingTaskGroup { group in
            group.addTask { await self.publish(wakeups: wakeups, sampling: sampling) }
            group.addTask {
                // Wakes the publisher every second besides, so a failed round is retried after its backoff.
                while sampling.value, (try? await Task.sleep(for: .seconds(1))) != nil { wake.yield() }
            }
            await cancelWhenGracefulShutdown {
                await self.sample(instanceID: instanceID, metadata: metadata, wake: wake)
            }
            sampling.withLock { $0 = false }
            wake.yield()
        }
        logger.info("stopped", metadata: ["unsent-samples": "\(publisher.depth)"])
    }

    /// Samples every interval, on the interval's grid, until cancelled.
    private func sample(instanceID: String, metadata: InstanceMetadata?, wake: AsyncStream<Void>.Continuation) async {
        var sampler = Sampler(settings: settings, client: client, metadata: metadata, logger: logger, metrics: metrics)
        let clock = ContinuousClock()
        var next = clock.now
        while !Task.isCancelled {
            let sampledAt = now()
            let round = await sampler.read()
            let sample = round.readings.sample(tier: settings.tier, instanceID: instanceID, sampledAtMilliseconds: sampledAt)
            publisher.enqueue(sample)
            health.withLock {
                $0.sourcesAnswered = round.answered
                $0.sourcesAsked = round.asked
                $0.lastSampleAt = DispatchTime.now().uptimeNanoseconds
                $0.samplesTaken += 1
            }
            wake.yield()
            next += settings.interval
            if next < clock.now { next = clock.now }  // a round longer than the interval: start the next one now
            if (try? await Task.sleep(until: next, clock: clock)) == nil { return }
        }
    }

    /// Sends the buffer whenever woken, backing off after a failure; once sampling stops, sends what is left for at
    /// most `drainTimeout` and returns.
    private func publish(wakeups: AsyncStream<Void>, sampling: Shared<Bool>) async {
        let clock = ContinuousClock()
        var notBefore = clock.now
        for await _ in wakeups {
            if !sampling.value { break }
            guard clock.now >= notBefore else { continue }
            if !(await publisher.publishBuffered()) { notBefore = clock.now + publisher.retryDelay }
        }
        // A round already in flight when the deadline passes is waited for: librdkafka bounds it by
        // message.timeout.ms.
        let deadline = clock.now + drainTimeout
        while publisher.depth > 0, clock.now < deadline {
            if !(await publisher.publishBuffered()) { try? await Task.sleep(for: .milliseconds(200)) }
        }
    }

    /// `--instance-id`, else the metadata service's answer (asked three times: a busy host may miss one timeout),
    /// else the host name, said once. It is fixed for the agent's life: an instance must not change its id
    /// mid-stream.
    private func resolveInstanceID(_ metadata: InstanceMetadata?) async -> String {
        if let given = settings.instanceID { return given }
        if let metadata {
            var lastError: SourceError?
            for attempt in 1...3 {
                do {
                    return try await metadata.instanceID()
                } catch {
                    lastError = error
                    if attempt < 3, (try? await Task.sleep(for: .milliseconds(500 * attempt))) == nil { break }
                }
            }
            logger.warning(
                "the instance metadata service does not answer: not on EC2? The host name is the instance id, and spot notices are read if it answers later",
                metadata: ["error": "\(lastError.map { "\($0)" } ?? "cancelled")"])
        }
        return ProcessInfo.processInfo.hostName
    }
}
