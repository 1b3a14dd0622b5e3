import PrometheusExposition
import Testing

@Suite struct HistogramQuantileTests {
    static let e2e = "vllm:e2e_request_latency_seconds"

    func histograms(_ text: String, _ name: String = e2e) -> [CumulativeHistogram] {
        Exposition.parse(text).histograms(named: name)
    }

    func histogram(_ buckets: [(Double, Double)], count: Double? = nil) -> CumulativeHistogram {
        CumulativeHistogram(buckets: buckets.map { .init(upperBound: $0.0, cumulativeCount: $0.1) }, count: count)
    }

    func expectClose(_ actual: Double?, _ expected: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let actual else {
            Issue.record("no quantile, expected \(expected)", sourceLocation: sourceLocation)
            return
        }
        #expect(abs(actual - expected) < 1e-9, "\(actual) is not \(expected)", sourceLocation: sourceLocation)
    }

    @Test func vllmScrapesGiveOneHistogramPerEngine() throws {
        let second = histograms(Fixtures.vllmSecondScrape)
        #expect(second.count == 2)
        let engine0 = try #require(second.first)
        #expect(engine0.labels == ["engine": "0", "model_name": "meta-llama/Llama-3.1-8B-Instruct"])
        #expect(engine0.buckets.count == 22)
        #expect(engine0.buckets.last?.upperBound == .infinity)
        #expect(engine0.buckets.prefix(8).map(\.cumulativeCount) == [0, 2, 5, 10, 28, 50, 65, 80])
        #expect(engine0.count == 80)
        #expect(engine0.sum == 140)
    }

    /// Engine 0 between the two scrapes. Cumulative at the first: le 1.5 → 20, 2.0 → 30, 2.5 → 35, 5.0 and above → 40;
    /// at the second: 28, 50, 65, 80; at and below 1.0 nothing changed. So the interval holds 40 requests:
    /// 8 in (1, 1.5], 12 in (1.5, 2], 10 in (2, 2.5], 10 in (2.5, 5]; cumulative 1.5 → 8, 2.0 → 20, 2.5 → 30, 5.0 → 40.
    @Test func intervalQuantilesMatchTheHandComputation() throws {
        let first = histograms(Fixtures.vllmFirstScrape)
        let second = histograms(Fixtures.vllmSecondScrape)
        let interval = try #require(second.first).since(try #require(first.first))
        #expect(interval.buckets.prefix(9).map(\.cumulativeCount) == [0, 0, 0, 0, 8, 20, 30, 40, 40])
        #expect(interval.buckets.last?.cumulativeCount == 40)
        #expect(interval.count == 40)
        #expect(interval.sum == 87.5)  // 140 - 52.5
        #expect(interval.labels == ["engine": "0", "model_name": "meta-llama/Llama-3.1-8B-Instruct"])

        // p50: rank 0.5 × 40 = 20, first reached at le 2.0 (20); below it 8 → 1.5 + (2.0 − 1.5) × (20 − 8) / (20 − 8) = 2.0
        expectClose(interval.quantile(0.5), 2.0)
        // p25: rank 10, in le 2.0 → 1.5 + 0.5 × (10 − 8) / 12 = 1.58333…
        expectClose(interval.quantile(0.25), 1.5 + 0.5 * 2 / 12)
        // p90: rank 36, in le 5.0 (40; below it 30) → 2.5 + (5 − 2.5) × (36 − 30) / 10 = 4.0
        expectClose(interval.quantile(0.9), 4.0)
        // p95: rank 38 → 2.5 + 2.5 × 8 / 10 = 4.5
        expectClose(interval.quantile(0.95), 4.5)
        // p100: rank 40, reached at le 5.0 → its upper bound, 5.0
        expectClose(interval.quantile(1), 5.0)

        // Since the server started instead (the second scrape alone): rank 0.95 × 80 = 76, in le 5.0 (80; below it 65)
        // → 2.5 + 2.5 × (76 − 65) / 15 = 4.3333…: the interval's 4.5 is not what the cumulative counts say.
        expectClose(try #require(second.first).quantile(0.95), 2.5 + 2.5 * 11 / 15)
    }

    /// Both engines as one. Engine 1's interval: 10 requests, all in (5, 10]. Merged interval cumulative:
    /// 1.5 → 8, 2.0 → 20, 2.5 → 30, 5.0 → 40, 10.0 and above → 50.
    @Test func mergedEnginesOverTheInterval() throws {
        let first = histograms(Fixtures.vllmFirstScrape)
        let second = histograms(Fixtures.vllmSecondScrape)
        let engine1 = try #require(second.last).since(try #require(first.last))
        // Engine 1 alone: rank 5 in le 10.0 (10; below it 0) → 5 + 5 × 5 / 10 = 7.5
        expectClose(engine1.quantile(0.5), 7.5)

        let intervals = zip(second, first).map { $0.since($1) }
        let merged = try #require(CumulativeHistogram.merged(intervals))
        #expect(merged.labels == ["model_name": "meta-llama/Llama-3.1-8B-Instruct"])
        #expect(merged.count == 50)
        #expect(merged.sum == 157.5)  // 87.5 + 70
        #expect(merged.buckets.prefix(10).map(\.cumulativeCount) == [0, 0, 0, 0, 8, 20, 30, 40, 50, 50])
        // p95: rank 47.5 in le 10.0 (50; below it 40) → 5 + 5 × 7.5 / 10 = 8.75
        expectClose(merged.quantile(0.95), 8.75)
        // p50: rank 25 in le 2.5 (30; below it 20) → 2 + 0.5 × 5 / 10 = 2.25
        expectClose(merged.quantile(0.5), 2.25)

        // Merging each scrape first, then taking the interval, gives the same buckets.
        let mergedFirst = try #require(CumulativeHistogram.merged(first))
        let mergedSecond = try #require(CumulativeHistogram.merged(second))
        #expect(mergedSecond.since(mergedFirst) == merged)
    }

    /// Triton's two models, cumulative since start. resnet50: le 100 → 900, 500 → 1200, 2000 → 1240, 5000 → 1240;
    /// bert: 10, 250, 300, 310. Merged: 910, 1450, 1540, 1550, +Inf 1550.
    @Test func mergedTritonModels() throws {
        let models = histograms(Fixtures.triton, "nv_inference_first_response_histogram_ms")
        let merged = try #require(CumulativeHistogram.merged(models))
        #expect(merged.buckets.map(\.cumulativeCount) == [910, 1450, 1540, 1550, 1550])
        #expect(merged.count == 1550)
        #expect(merged.sum == 193_000)
        #expect(merged.labels == ["version": "1"])
        // p99: rank 0.99 × 1550 = 1534.5 in le 2000 (1540; below it 1450) → 500 + 1500 × 84.5 / 90 = 1908.333…
        expectClose(merged.quantile(0.99), 500 + 1500 * 84.5 / 90)
        // p50: rank 775 in the first bucket, lower bound 0 → 100 × 775 / 910 = 85.1648…
        expectClose(merged.quantile(0.5), 100 * 775 / 910)
    }

    @Test func mergingSeriesWithDifferentBoundsOrNoneGivesNothing() throws {
        let triton = try #require(histograms(Fixtures.triton, "nv_inference_first_response_histogram_ms").first)
        let vllm = try #require(histograms(Fixtures.vllmSecondScrape).first)
        #expect(CumulativeHistogram.merged([triton, vllm]) == nil)
        #expect(CumulativeHistogram.merged([]) == nil)
        #expect(CumulativeHistogram.merged([triton]) == triton)
    }

    /// After a restart engine 0's buckets went down (80 → 4 at +Inf): the interval is the new scrape alone,
    /// cumulative 0.5 → 1, 0.8 → 1, 1.0 → 2, 1.5 and above → 4.
    @Test func counterResetTakesTheNewScrapeAlone() throws {
        let second = histograms(Fixtures.vllmSecondScrape)
        let restarted = histograms(Fixtures.vllmAfterRestart)
        let engine0 = try #require(restarted.first)
        let interval = engine0.since(try #require(second.first))
        #expect(interval == engine0)
        #expect(interval.count == 4)
        #expect(interval.sum == 4.6)
        // p50: rank 2, first reached at le 1.0 (2; below it 1) → 0.8 + 0.2 × (2 − 1) / 1 = 1.0
        expectClose(interval.quantile(0.5), 1.0)
        // p75: rank 3 in le 1.5 (4; below it 2) → 1.0 + 0.5 × 1 / 2 = 1.25
        expectClose(interval.quantile(0.75), 1.25)
        // Engine 1 restarted with nothing served: a reset, and no requests, so no value.
        let engine1 = try #require(restarted.last).since(try #require(second.last))
        #expect(engine1.quantile(0.5) == nil)
    }

    @Test func countGoingDownAloneIsAReset() {
        let earlier = histogram([(1, 5), (.infinity, 5)], count: 5)
        let later = histogram([(1, 5), (.infinity, 5)], count: 3)
        #expect(later.since(earlier) == later)
        // Without a reset the count is differenced too.
        #expect(histogram([(1, 6), (.infinity, 8)], count: 8).since(earlier).count == 3)
    }

    @Test func bucketGoingDownIsAResetWithoutACount() {
        let earlier = histogram([(1, 5), (.infinity, 5)])
        let later = histogram([(1, 1), (.infinity, 6)])
        #expect(later.since(earlier) == later)
        // le 1 went from 5 to 1: the interval is the new scrape's 1 and 6 (not −4 and 1); rank 3 is reached only in
        // the +Inf bucket → the highest finite bound, 1.
        #expect(later.since(earlier).quantile(0.5) == 1)
    }

    @Test func changedBucketLayoutTakesTheNewScrapeAlone() {
        let earlier = histogram([(1, 5), (2, 6), (.infinity, 6)])
        let later = histogram([(1, 7), (5, 9), (.infinity, 9)])
        #expect(later.since(earlier) == later)
    }

    @Test func zeroRequestsGiveNoValueNotZero() throws {
        let tgi = try #require(histograms(Fixtures.tgiFresh, "tgi_request_duration").first)
        #expect(tgi.quantile(0.95) == nil)
        let idleEngine = try #require(histograms(Fixtures.vllmFirstScrape).last)
        #expect(idleEngine.quantile(0.5) == nil)
        // Traffic before, none during the interval.
        let busy = try #require(histograms(Fixtures.vllmSecondScrape).first)
        let interval = busy.since(busy)
        #expect(interval.count == 0)
        #expect(interval.quantile(0.5) == nil)
        #expect(interval.quantile(0.99) == nil)
    }

    /// Earlier: le 1 → 3, 2.5 → 5, +Inf → 5; later: 3, 5, 9. The 4 new requests all took longer than 2.5 s.
    @Test func allRequestsInTheInfBucketAnswerTheHighestFiniteBound() throws {
        let earlier = """
            # TYPE vllm:e2e_request_latency_seconds histogram
            vllm:e2e_request_latency_seconds_bucket{le="1.0",model_name="m"} 3.0
            vllm:e2e_request_latency_seconds_bucket{le="2.5",model_name="m"} 5.0
            vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} 5.0
            vllm:e2e_request_latency_seconds_count{model_name="m"} 5.0
            """
        let later = """
            # TYPE vllm:e2e_request_latency_seconds histogram
            vllm:e2e_request_latency_seconds_bucket{le="1.0",model_name="m"} 3.0
            vllm:e2e_request_latency_seconds_bucket{le="2.5",model_name="m"} 5.0
            vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} 9.0
            vllm:e2e_request_latency_seconds_count{model_name="m"} 9.0
            """
        let interval = try #require(histograms(later).first).since(try #require(histograms(earlier).first))
        #expect(interval.buckets.map(\.cumulativeCount) == [0, 0, 4])
        #expect(interval.count == 4)
        // Rank 2 (or 3.96, or 4) is reached only in the +Inf bucket → the highest finite bound, 2.5.
        #expect(interval.quantile(0.5) == 2.5)
        #expect(interval.quantile(0.99) == 2.5)
        #expect(interval.quantile(1) == 2.5)
        // q = 0 over the empty lowest bucket: Prometheus computes 0 / 0.
        #expect(interval.quantile(0) == nil)
    }

    @Test func quantileIsNilWherePrometheusAnswersNaNOrInfinity() {
        let good = histogram([(1, 2), (.infinity, 4)])
        #expect(good.quantile(-0.1) == nil)
        #expect(good.quantile(1.1) == nil)
        #expect(good.quantile(.nan) == nil)
        // The same buckets answer a q inside [0, 1]: rank 0.25 × 4 = 1 in le 1 (2) → 0 + 1 × 1 / 2 = 0.5
        #expect(good.quantile(0.25) == 0.5)
        #expect(histogram([(.infinity, 5)]).quantile(0.5) == nil)  // fewer than 2 buckets
        #expect(histogram([(1, 2), (2, 5)]).quantile(0.5) == nil)  // no +Inf bucket
        #expect(histogram([]).quantile(0.5) == nil)
        #expect(histogram([(1, .nan), (.infinity, .nan)]).quantile(0.5) == nil)
        #expect(histogram([(1, 0), (.infinity, .infinity)]).quantile(0.5) == nil)
        #expect(histogram([(1, -3), (.infinity, -3)]).quantile(0.5) == nil)
    }

    /// Buckets -1 → 2, 0 → 4, 1 → 6, +Inf → 6.
    @Test func lowestBucketAtOrBelowZeroAnswersItsBound() {
        let temperatures = histogram([(-1, 2), (0, 4), (1, 6), (.infinity, 6)])
        // p20: rank 1.2 in the lowest bucket, whose bound is <= 0 → −1
        #expect(temperatures.quantile(0.2) == -1)
        // p50: rank 3 in le 0 (4; below it 2) → −1 + 1 × (3 − 2) / 2 = −0.5
        #expect(temperatures.quantile(0.5) == -0.5)
    }

    /// Counts 5, 3, 8, 8 (le 1, 2, 4, +Inf) are fixed to the envelope 5, 5, 8, 8 as Prometheus's ensureMonotonic does.
    @Test func nonMonotonicCountsAreFixedUpAsPrometheusDoes() {
        let broken = histogram([(1, 5), (2, 3), (4, 8), (.infinity, 8)])
        // p50: rank 4 in le 1 → 1 × 4 / 5 = 0.8
        expectClose(broken.quantile(0.5), 0.8)
        // p75: rank 6 in le 4 (8; below it the fixed 5) → 2 + 2 × (6 − 5) / 3 = 2.666…; unfixed it would be 3.2
        expectClose(broken.quantile(0.75), 2 + 2.0 / 3)
    }

    @Test func bucketsAreSortedAndEqualBoundsSummed() {
        let histogram = CumulativeHistogram(buckets: [
            .init(upperBound: .infinity, cumulativeCount: 9), .init(upperBound: 1, cumulativeCount: 2),
            .init(upperBound: .nan, cumulativeCount: 7), .init(upperBound: 1.0, cumulativeCount: 1),
            .init(upperBound: 0.5, cumulativeCount: 1),
        ])
        #expect(histogram.buckets == [
            .init(upperBound: 0.5, cumulativeCount: 1), .init(upperBound: 1, cumulativeCount: 3),
            .init(upperBound: .infinity, cumulativeCount: 9),
        ])
    }

    @Test func bucketsWithoutANumericLeAreLeftOut() throws {
        let text = """
            lat_bucket{le="abc"} 3
            lat_bucket{} 3
            lat_bucket{le="NaN"} 3
            lat_bucket{le="1e-1"} 1
            lat_bucket{le="+Inf"} 4
            lat_sum 0.9
            """
        let exposition = Exposition.parse(text)
        #expect(exposition.problems == [])
        let histogram = try #require(exposition.histograms(named: "lat").first)
        #expect(histogram.buckets == [.init(upperBound: 0.1, cumulativeCount: 1), .init(upperBound: .infinity, cumulativeCount: 4)])
        #expect(histogram.sum == 0.9)
        #expect(histogram.count == nil)
        #expect(exposition.histograms(named: "missing").isEmpty)
    }
}
