import AsyncHTTPClient
import Logging
import PrometheusExposition

/// The agent's sources, read once per interval into `SampleReadings`, all at once. It keeps what spans scrapes:
/// the latency histogram's previous scrape, which sources are failing (logged when that changes, not every
/// interval) and which metrics were found absent (logged once).
struct Sampler {
    private let settings: AgentSettings
    private let fetch: HTTPFetch
    private let metadata: InstanceMetadata?
    private let logger: Logger
    private let metrics: AgentMetrics
    private var latency: LatencyWindow?
    private var failing: [String: String] = [:]
    private var reportedAbsent: Set<String> = []

    init(settings: AgentSettings, client: HTTPClient, metadata: InstanceMetadata?, logger: Logger, metrics: AgentMetrics) {
        self.settings = settings
        self.fetch = HTTPFetch(client: client)
        self.metadata = metadata
        self.logger = logger
        self.metrics = metrics
        latency = settings.latencyHistogram.map { LatencyWindow(histogram: $0, unit: settings.latencyUnit) }
    }

    /// One round: every source asked at once; a source that fails leaves its fields absent.
    mutating func read() async -> (readings: SampleReadings, answered: Int, asked: Int) {
        let timeout = settings.scrapeTimeout
        async let dcgm = Self.page(settings.dcgmURL, fetch, timeout)
        async let inference = Self.page(settings.inferenceURL, fetch, timeout)
        async let players = Self.page(settings.playersURL, fetch, timeout)
        async let spot = Self.spotNotice(metadata)
        let (dcgmPage, inferencePage, playersPage, spotAnswer) = (await dcgm, await inference, await players, await spot)
        let outcomes: [(source: String, error: SourceError?)] = [
            dcgmPage.map { ("dcgm", $0.failure) }, inferencePage.map { ("inference", $0.failure) },
            playersPage.map { ("players", $0.failure) }, spotAnswer.map { ("imds", $0.failure) },
        ].compactMap { $0 }
        for (source, error) in outcomes {
            if let error { failed(source, error) } else { recovered(source) }
        }
        let answered = outcomes.filter { $0.error == nil }.count
        let asked = outcomes.count

        var readings = SampleReadings()
        if case .success(let page)? = dcgmPage, let page {
            let gpu = GPUReading(page)
            readings.gpu = gpu
            if gpu.utilization == nil { absent("gpu_utilization", "dcgm-exporter has no \(GPUReading.Counter.utilization)") }
            if gpu.memoryUtilization == nil {
                absent("gpu_memory_utilization",
                       "dcgm-exporter has no \(GPUReading.Counter.framebufferUsed) and \(GPUReading.Counter.framebufferFree)")
            }
        }
        var inferenceReading = InferenceReading()
        if case .success(let page)? = inferencePage, let page {
            if let queue = settings.queueMetric {
                inferenceReading.queueDepth = InferenceReading.count(of: queue, in: page)
                if inferenceReading.queueDepth == nil { absent("queue_depth", "the inference server has no \(queue)") }
            }
            if let interval = latency?.interval(after: page) {
                inferenceReading.latencyP95Seconds = interval.seconds
                if interval == .histogramAbsent, let name = latency?.histogram {
                    absent("latency_p95_seconds", "the inference server has no histogram \(name)")
                }
            }
        } else {
            latency = latency.map { LatencyWindow(histogram: $0.histogram, unit: $0.unit) }
        }
        if let gauge = settings.playersMetric {
            let page = settings.playersURL == nil ? inferencePage : playersPage
            if case .success(let page)? = page, let page {
                inferenceReading.activePlayers = InferenceReading.count(of: gauge, in: page)
                if inferenceReading.activePlayers == nil { absent("active_players", "no \(gauge) where players are read") }
            }
        }
        if inferenceReading != InferenceReading() { readings.inference = inferenceReading }
        if case .success(let notice)? = spotAnswer { readings.spotInterruptionNotice = notice }
        return (readings, answered, asked)
    }

    private static func page(_ url: String?, _ fetch: HTTPFetch, _ timeout: Duration) async -> Result<Exposition?, SourceError>? {
        guard let url else { return nil }
        do {
            return .success(Exposition.parse(try await fetch.text(url, timeout: timeout)))
        } catch {
            return .failure(error)
        }
    }

    private static func spotNotice(_ metadata: InstanceMetadata?) async -> Result<Bool, SourceError>? {
        guard let metadata else { return nil }
        do {
            return .success(try await metadata.spotInterruptionNotice())
        } catch {
            return .failure(error)
        }
    }

    private mutating func failed(_ source: String, _ error: SourceError) {
        metrics.scraped(source, ok: false)
        if failing[source] == nil {
            let fields = Self.fields[source] ?? "its fields"
            logger.warning("source not answering: \(fields) left unset until it answers", metadata: [
                "source": "\(source)", "error": "\(error)",
            ])
        }
        failing[source] = "\(error)"
    }

    private mutating func recovered(_ source: String) {
        metrics.scraped(source, ok: true)
        if failing.removeValue(forKey: source) != nil {
            logger.info("source answering again", metadata: ["source": "\(source)"])
        }
    }

    private mutating func absent(_ field: String, _ why: String) {
        guard reportedAbsent.insert(field).inserted else { return }
        logger.warning("\(why): \(field) is left unset in every sample while it is absent", metadata: ["field": "\(field)"])
    }

    private static let fields = [
        "dcgm": "gpu_utilization and gpu_memory_utilization",
        "inference": "queue_depth and latency_p95_seconds",
        "players": "active_players",
        "imds": "spot_interruption_notice",
    ]
}

extension Result {
    /// The error, if this is one.
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
