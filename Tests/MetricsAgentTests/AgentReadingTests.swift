import AnnalsEvents
@testable import MetricsAgent
import PrometheusExposition
import Testing

@Suite struct AgentReadingTests {
    static let dcgm = """
        # HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
        # TYPE DCGM_FI_DEV_GPU_UTIL gauge
        DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a",device="nvidia0",modelName="NVIDIA A10G",Hostname="h"} 30
        DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-b",device="nvidia1",modelName="NVIDIA A10G",Hostname="h"} 90
        # HELP DCGM_FI_DEV_FB_FREE Framebuffer memory free (in MiB).
        # TYPE DCGM_FI_DEV_FB_FREE gauge
        DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-a",device="nvidia0",modelName="NVIDIA A10G",Hostname="h"} 3000
        DCGM_FI_DEV_FB_FREE{gpu="1",UUID="GPU-b",device="nvidia1",modelName="NVIDIA A10G",Hostname="h"} 20000
        # HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).
        # TYPE DCGM_FI_DEV_FB_USED gauge
        DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-a",device="nvidia0",modelName="NVIDIA A10G",Hostname="h"} 21000
        DCGM_FI_DEV_FB_USED{gpu="1",UUID="GPU-b",device="nvidia1",modelName="NVIDIA A10G",Hostname="h"} 4000

        """

    @Test func gpuUtilisationIsTheMeanAndMemoryTheFullestGPU() {
        let reading = GPUReading(Exposition.parse(Self.dcgm))
        #expect(reading.utilization == 0.6, "(30 + 90) / 2 %")
        #expect(reading.memoryUtilization == 0.875, "GPU 0: 21000 / (21000 + 3000)")
    }

    @Test func absentCountersAreAbsentNotZero() {
        let onlyUtilisation = Self.dcgm.split(separator: "\n").filter { !$0.contains("FB_") }.joined(separator: "\n")
        let reading = GPUReading(Exposition.parse(onlyUtilisation))
        #expect(reading.utilization == 0.6)
        #expect(reading.memoryUtilization == nil)
        #expect(GPUReading(Exposition.parse("")) == GPUReading())
        let nan = GPUReading(Exposition.parse("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} NaN\n"))
        #expect(nan.utilization == nil)
    }

    @Test func gaugesAreSummedOverTheirSeriesAndClampedToCounts() {
        let text = """
            vllm:num_requests_waiting{model_name="a"} 3
            vllm:num_requests_waiting{model_name="b"} 4.6
            negative -5
            huge 1e300
            nan NaN

            """
        let page = Exposition.parse(text)
        #expect(InferenceReading.count(of: "vllm:num_requests_waiting", in: page) == 8)
        #expect(InferenceReading.count(of: "negative", in: page) == 0)
        #expect(InferenceReading.count(of: "huge", in: page) == .max)
        #expect(InferenceReading.count(of: "nan", in: page) == nil)
        #expect(InferenceReading.count(of: "missing", in: page) == nil)
    }

    static func vllm(_ counts: [Double], bounds: [String] = ["0.5", "1", "+Inf"]) -> Exposition {
        var text = "# TYPE vllm:e2e_request_latency_seconds histogram\n"
        for (bound, count) in zip(bounds, counts) {
            text += "vllm:e2e_request_latency_seconds_bucket{le=\"\(bound)\",model_name=\"m\"} \(count)\n"
        }
        text += "vllm:e2e_request_latency_seconds_count{model_name=\"m\"} \(counts.last ?? 0)\n"
        return Exposition.parse(text)
    }

    @Test func latencyIsTheP95OfTheIntervalBetweenScrapes() {
        var window = LatencyWindow(histogram: "vllm:e2e_request_latency_seconds", unit: .seconds)
        #expect(window.interval(after: Self.vllm([10, 10, 10])) == .firstScrape, "the first scrape has no interval")
        // In between: 10 requests ≤ 0.5 s and 10 in (0.5, 1]. Rank 0.95 × 20 = 19 falls in the (0.5, 1] bucket,
        // 9 of its 10: 0.5 + 0.5 × 9/10 = 0.95.
        #expect(window.interval(after: Self.vllm([20, 30, 30])) == .p95(seconds: 0.95))
        #expect(window.interval(after: Self.vllm([20, 30, 30])) == .noRequests, "no request in the interval: no P95, not zero")
        // A restarted server: 4 requests ≤ 0.5 s since it started. Rank 3.8 of 4 in [0, 0.5]: 0.5 × 3.8/4 = 0.475.
        #expect(window.interval(after: Self.vllm([4, 4, 4])) == .p95(seconds: 0.475))
        // A scrape without the histogram says so, and starts the window again.
        #expect(window.interval(after: Exposition.parse("vllm:num_requests_waiting 3\n")) == .histogramAbsent)
        #expect(window.interval(after: Self.vllm([30, 30, 30])) == .firstScrape)
        // Milliseconds: 2 requests, both in (100, 250] ms; rank 1.9 of 2: 100 + 150 × 1.9/2 = 242.5 ms.
        var millis = LatencyWindow(histogram: "request_ms", unit: .milliseconds)
        let before = Exposition.parse("request_ms_bucket{le=\"100\"} 0\nrequest_ms_bucket{le=\"250\"} 0\nrequest_ms_bucket{le=\"+Inf\"} 0\n")
        let after = Exposition.parse("request_ms_bucket{le=\"100\"} 0\nrequest_ms_bucket{le=\"250\"} 2\nrequest_ms_bucket{le=\"+Inf\"} 2\n")
        _ = millis.interval(after: before)
        #expect(millis.interval(after: after).seconds.map { ($0 * 1e6).rounded() / 1e6 } == 0.2425)
    }

    @Test func aSampleCarriesOnlyTheReadingsTakenAndAnIDOfInstanceAndTime() {
        let readings = SampleReadings(gpu: GPUReading(utilization: 0.5), inference: InferenceReading(queueDepth: 0),
                                      spotInterruptionNotice: true)
        let sample = readings.sample(tier: .silver, instanceID: "i-1", sampledAtMilliseconds: 1_767_225_600_250)
        #expect(sample.meta.eventID == "i-1@1767225600250")
        #expect(sample.sampledAt.seconds == 1_767_225_600 && sample.sampledAt.nanos == 250_000_000)
        #expect(sample.meta.occurredAt == sample.sampledAt)
        #expect(sample.tier == .silver && sample.instanceID == "i-1")
        #expect(sample.hasGpuUtilization && sample.gpuUtilization == 0.5)
        #expect(!sample.hasGpuMemoryUtilization)
        #expect(sample.hasQueueDepth && sample.queueDepth == 0, "a zero that was read is sent")
        #expect(!sample.hasLatencyP95Seconds && !sample.hasActivePlayers)
        #expect(sample.spotInterruptionNotice)
        #expect(EventValidator.problems(in: .metricSample(sample)).isEmpty)
        let early = readings.sample(tier: .gold, instanceID: "i-1", sampledAtMilliseconds: -1)
        #expect(early.sampledAt.seconds == -1 && early.sampledAt.nanos == 999_000_000)
    }

    @Test func theBufferDropsTheOldestWhenFullAndRemovesOnlyWhatWasAcknowledged() {
        var buffer = SampleBuffer(capacity: 3)
        func sample(_ n: Int64) -> MetricSample {
            SampleReadings().sample(tier: .gold, instanceID: "i", sampledAtMilliseconds: n)
        }
        for n in Int64(1)...3 { #expect(buffer.append(sample(n)) == 0) }
        let inFlight = buffer.head(2)
        #expect(buffer.append(sample(4)) == 1, "full: the oldest goes")
        #expect(buffer.dropped == 1)
        buffer.acknowledge(inFlight, count: 2)
        #expect(buffer.waiting.map(\.meta.eventID) == ["i@3", "i@4"], "sample 1 was dropped, sample 2 acknowledged")
        buffer.acknowledge(buffer.head(2), count: 1)
        #expect(buffer.waiting.map(\.meta.eventID) == ["i@4"])
    }

    @Test func failedRoundsBackOffToThirtySecondsAndAnOutageIsSaidOnceEachWay() {
        var streak = PublishStreak()
        #expect(streak.record(succeeded: true) == nil && streak.retryDelay == .zero)
        #expect(streak.record(succeeded: false) == .outageBegan)
        var delays = [streak.retryDelay]
        for _ in 0..<7 {
            #expect(streak.record(succeeded: false) == nil, "an outage begins once")
            delays.append(streak.retryDelay)
        }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30, 30].map { Duration.seconds($0) })
        #expect(streak.record(succeeded: true) == .outageEnded)
        #expect(streak.record(succeeded: true) == nil && streak.retryDelay == .zero)
    }

    @Test func settingsSayWhatToGiveInstead() {
        #expect(AgentSettings(tier: .gold, dcgmURL: "http://x/metrics").problems.isEmpty)
        #expect(AgentSettings(tier: .gold).problems == ["no source to sample: give --dcgm-url, --inference-url, --players-url or --imds-url"])
        #expect(AgentSettings(tier: .unspecified, dcgmURL: "http://x").problems == ["the tier must be gold, silver or bronze"])
        #expect(AgentSettings(tier: .gold, inferenceURL: "http://x").problems.first?.contains("--inference-server") == true)
        #expect(AgentSettings(tier: .gold, dcgmURL: "x:9400").problems == ["--dcgm-url x:9400 is not an http:// or https:// URL"])
        #expect(AgentSettings(tier: .gold, dcgmURL: "http://x", interval: .seconds(2), scrapeTimeout: .seconds(2)).problems.count == 1)
        #expect(AgentSettings(tier: .gold, dcgmURL: "http://x").bufferCapacity == 180, "30 minutes every 10 s")
        #expect(AgentSettings(tier: .gold, latencyHistogram: "nv_inference_request_duration_us").latencyUnit == .microseconds)
    }

    @Test func aSpotNoticeIsAnActionInTheBody() {
        #expect(InstanceMetadata.isNotice(#"{"action": "terminate", "time": "2026-12-07T08:22:00Z"}"#))
        #expect(InstanceMetadata.isNotice(#"{"action": "stop", "time": "2026-12-07T08:22:00Z"}"#))
        #expect(!InstanceMetadata.isNotice("not json"))
        #expect(!InstanceMetadata.isNotice(#"{"time": "2026-12-07T08:22:00Z"}"#))
    }
}
