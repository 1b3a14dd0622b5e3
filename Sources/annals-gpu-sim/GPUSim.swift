import ArgumentParser
import Foundation
import GPUSimulation
import Hummingbird
import Logging
import ServiceLifecycle

/// `annals-gpu-sim`: simulated GPU instances following a load profile, for the local stack. Each instance serves
/// dcgm-exporter's and vLLM's metrics and EC2's instance metadata (IMDSv2) under `/instances/<index>`, so one
/// `annals-metrics-agent` per instance drives the real autoscaling loop.
@main
struct GPUSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annals-gpu-sim",
        abstract: "Serve simulated GPU instances (dcgm-exporter, vLLM, IMDSv2) that follow a load profile.",
        discussion: """
        Instance <i> answers at /instances/<i>/dcgm/metrics (DCGM_FI_DEV_GPU_UTIL, DCGM_FI_DEV_FB_USED, \
        DCGM_FI_DEV_FB_FREE for two GPUs), /instances/<i>/vllm/metrics (vllm:num_requests_waiting and the \
        vllm:e2e_request_latency_seconds histogram) and /instances/<i>/latest/... (IMDSv2: give the agent \
        --imds-url http://HOST:PORT/instances/<i>). Every --tick the load is read off the profile and each instance \
        reports it: GPU 15–95 %, the queue up to --peak-queue, latencies of 0.3–2.3 s.
        """)

    @Option(help: "How many instances to simulate.") var instances = 3
    @Option(help: "Instance ids are <prefix>-<index>.") var idPrefix = "i-sim"
    @Option(help: "Port to serve on.") var port = 9400
    @Option(help: "Address to bind.") var host = "0.0.0.0"
    @Option(help: "Load profile: wave, spike or flat.") var profile = "wave"
    @Option(help: "Seconds of one period of the profile.") var periodSeconds = 1_200
    @Option(help: "Requests waiting per instance at peak.") var peakQueue = 60.0
    @Option(help: "Seconds between updates of the instances.") var tickSeconds = 5
    @Option(help: "Seconds after which instance 0 receives a spot interruption notice (default: never).")
    var spotNoticeAfterSeconds: Int?

    func validate() throws {
        guard (1...1_000).contains(instances) else { throw ValidationError("--instances: use 1 to 1000") }
        guard LoadProfile.Shape(rawValue: profile) != nil else { throw ValidationError("--profile: use wave, spike or flat") }
        guard periodSeconds > 0, tickSeconds > 0 else { throw ValidationError("--period-seconds and --tick-seconds: use 1 or more") }
        guard peakQueue >= 0, peakQueue.isFinite else { throw ValidationError("--peak-queue: use 0 or more") }
    }

    func run() async throws {
        let logger = Logger(label: "annals.gpu-sim")
        let simulated = (0..<instances).map { SimulatedInstance(instanceID: "\(idPrefix)-\($0)") }
        let load = LoadProfile(shape: LoadProfile.Shape(rawValue: profile) ?? .wave, period: .seconds(periodSeconds),
                               peakQueue: peakQueue)
        let application = Application(
            router: SimulationServer.router(simulated),
            configuration: .init(address: .hostname(host, port: port), serverName: "annals-gpu-sim"), logger: logger)
        let driver = ProfileDriver(instances: simulated, profile: load, tick: .seconds(tickSeconds),
                                   spotNoticeAfter: spotNoticeAfterSeconds.map { .seconds($0) }, logger: logger)
        logger.info("simulating", metadata: [
            "instances": "\(instances)", "profile": "\(profile)", "period-seconds": "\(periodSeconds)",
            "peak-queue": "\(peakQueue)", "address": "\(host):\(port)",
        ])
        try await ServiceGroup(services: [application, driver], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            .run()
    }
}

/// Moves the instances along the profile every tick, until shutdown.
struct ProfileDriver: Service {
    let instances: [SimulatedInstance]
    let profile: LoadProfile
    let tick: Duration
    let spotNoticeAfter: Duration?
    let logger: Logger

    func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let elapsed = clock.now - start
                let load = profile.load(at: elapsed)
                for instance in instances { await LoadProfile.apply(load, peakQueue: profile.peakQueue, to: instance) }
                if let spotNoticeAfter, elapsed >= spotNoticeAfter, let first = instances.first, await !first.spotNotice {
                    await first.set(spotNotice: true)
                    logger.info("spot interruption notice", metadata: ["instance": "\(first.instanceID)"])
                }
                if (try? await Task.sleep(for: tick)) == nil { return }
            }
        }
    }
}
