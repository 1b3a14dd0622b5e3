import PrometheusExposition
import Testing

@Suite struct ExpositionParserTests {
    @Test func dcgmExporterGivesEachGPUItsOwnSample() throws {
        let exposition = Exposition.parse(Fixtures.dcgmExporter)
        #expect(exposition.problems == [])
        #expect(exposition.format == .prometheusText)
        #expect(exposition.families.count == 9)

        let utilization = exposition.samples(named: "DCGM_FI_DEV_GPU_UTIL")
        #expect(utilization.map(\.value) == [97, 88, 0, 41])
        #expect(utilization.map { $0.labels["gpu"] } == ["0", "1", "2", "3"])
        let first = try #require(utilization.first)
        #expect(first.labels["UUID"] == "GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94")
        #expect(first.labels["device"] == "nvidia0")
        #expect(first.labels["modelName"] == "NVIDIA A10G")
        #expect(first.labels["Hostname"] == "ip-10-0-12-34.ec2.internal")
        #expect(first.labels["pod"] == "vllm-llama-0")
        #expect(first.labels.count == 10)
        #expect(first.timestamp == nil)
        #expect(utilization[2].labels["pod"] == "")

        #expect(exposition.samples(named: "DCGM_FI_DEV_FB_USED").map(\.value) == [21342, 21342, 0, 13193])
        #expect(exposition.samples(named: "DCGM_FI_DEV_FB_FREE").map(\.value) == [1221, 1221, 22563, 9370])
        #expect(exposition.samples(named: "DCGM_FI_DEV_POWER_USAGE").first?.value == 187.356)
        #expect(exposition.samples(named: "DCGM_FI_PROF_GR_ENGINE_ACTIVE").last?.value == 0.402288)

        let family = try #require(exposition.family(named: "DCGM_FI_DEV_FB_USED"))
        #expect(family.type == .gauge)
        #expect(family.help == "Framebuffer memory used (in MiB).")
        #expect(family.samples.count == 4)
        #expect(exposition.family(named: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")?.type == .counter)
    }

    @Test func vllmNamesKeepTheirColonsAndCreatedSeriesAreGaugesOfTheirOwn() throws {
        let exposition = Exposition.parse(Fixtures.vllmSecondScrape)
        #expect(exposition.problems == [])
        #expect(exposition.samples(named: "vllm:num_requests_waiting").map(\.value) == [9, 1])
        #expect(exposition.samples(named: "vllm:num_requests_waiting").first?.labels
            == ["engine": "0", "model_name": "meta-llama/Llama-3.1-8B-Instruct"])
        #expect(exposition.samples(named: "vllm:num_requests_running").map(\.value) == [4, 2])
        #expect(exposition.samples(named: "vllm:kv_cache_usage_perc").first?.value == 0.4125)

        let success = try #require(exposition.family(named: "vllm:request_success_total"))
        #expect(success.type == .counter)
        #expect(success.samples.map(\.value) == [76, 4, 0, 10, 0, 0])
        let created = try #require(exposition.family(named: "vllm:request_success_created"))
        #expect(created.type == .gauge)
        #expect(created.samples.first?.value == 1_752_100_946.873_484_8)

        let latency = try #require(exposition.family(named: "vllm:e2e_request_latency_seconds"))
        #expect(latency.type == .histogram)
        #expect(latency.help == "Histogram of e2e request latency in seconds.")
        // Per engine: one _sum, 22 buckets, one _count.
        #expect(latency.samples.count == 2 * (1 + 22 + 1))
        #expect(exposition.family(named: "vllm:e2e_request_latency_seconds_created")?.samples.count == 2)
    }

    @Test func tgiBlankLinesTypeWithoutHelpAndSummaries() throws {
        let exposition = Exposition.parse(Fixtures.tgiFresh)
        #expect(exposition.problems == [])
        #expect(exposition.samples(named: "tgi_queue_size").map(\.value) == [3])
        #expect(exposition.samples(named: "tgi_batch_current_size").map(\.value) == [8])
        #expect(exposition.samples(named: "tgi_request_failure").first?.labels == ["err": "validation"])
        let queue = try #require(exposition.family(named: "tgi_queue_size"))
        #expect(queue.type == .gauge)
        #expect(queue.help == nil)

        let forward = try #require(exposition.family(named: "tgi_batch_forward_duration"))
        #expect(forward.type == .summary)
        #expect(forward.samples.count == 6)
        #expect(forward.samples.filter { $0.labels["quantile"] == "0.99" }.map(\.value) == [0.048817106])
        #expect(exposition.samples(named: "tgi_batch_forward_duration_count").map(\.value) == [12])

        let duration = try #require(exposition.histograms(named: "tgi_request_duration").first)
        #expect(duration.buckets.first?.upperBound == 0.00015000000000000001)
        #expect(duration.buckets.count == 7)
        #expect(duration.count == 0)
    }

    @Test func tritonCountersGaugesHistogramsAndSummaries() throws {
        let exposition = Exposition.parse(Fixtures.triton)
        #expect(exposition.problems == [])
        #expect(exposition.samples(named: "nv_inference_pending_request_count").map(\.value) == [4, 0])
        #expect(exposition.samples(named: "nv_inference_request_duration_us").map(\.value) == [98_021_355, 95_003_112])
        #expect(exposition.family(named: "nv_inference_request_success")?.type == .counter)
        #expect(exposition.samples(named: "nv_gpu_memory_used_bytes").first?.value == 21_338_521_600)
        #expect(exposition.family(named: "nv_gpu_utilization")?.help == "GPU utilization rate [0.0 - 1.0)")

        let summary = try #require(exposition.family(named: "nv_inference_queue_summary_us"))
        #expect(summary.type == .summary)
        #expect(summary.samples.count == 7)
        #expect(summary.samples.last?.labels["quantile"] == "0.999")

        let histograms = exposition.histograms(named: "nv_inference_first_response_histogram_ms")
        #expect(histograms.map(\.labels) == [["model": "resnet50", "version": "1"], ["model": "bert", "version": "1"]])
        #expect(histograms.map(\.count) == [1240, 310])
        #expect(histograms.map(\.sum) == [98000, 95000])
        #expect(histograms.first?.buckets.map(\.upperBound) == [100, 500, 2000, 5000, .infinity])
        #expect(histograms.first?.buckets.map(\.cumulativeCount) == [900, 1200, 1240, 1240, 1240])
    }

    @Test func openMetricsEndsAtEOFSkipsExemplarsAndKeepsCreatedSeries() throws {
        let exposition = Exposition.parse(Fixtures.openMetrics)
        #expect(exposition.problems == [])
        #expect(exposition.format == .openMetrics)

        let success = try #require(exposition.family(named: "vllm:request_success"))
        #expect(success.type == .counter)
        #expect(success.help == "Count of successfully processed requests.")
        #expect(success.samples.map(\.name) == ["vllm:request_success_total", "vllm:request_success_created"])
        #expect(exposition.samples(named: "vllm:request_success_total").map(\.value) == [118])

        let latency = try #require(exposition.family(named: "vllm:e2e_request_latency_seconds"))
        #expect(latency.unit == "seconds")
        #expect(latency.samples.count == 7)
        #expect(exposition.samples(named: "vllm:e2e_request_latency_seconds_created").map(\.value) == [1_752_100_946.873_931_2])
        // The exemplars (` # {trace_id=...} 0.43 ...`) are not read as timestamps or samples.
        let buckets = exposition.samples(named: "vllm:e2e_request_latency_seconds_bucket")
        #expect(buckets.map(\.value) == [2, 6, 11, 12])
        #expect(buckets.allSatisfy { $0.timestamp == nil })
        let histogram = try #require(exposition.histograms(named: "vllm:e2e_request_latency_seconds").first)
        #expect(histogram.labels == ["model_name": "m"])
        #expect(histogram.count == 12)
        #expect(histogram.sum == 14.2)

        #expect(exposition.family(named: "vllm_build")?.type == .info)
        #expect(exposition.samples(named: "vllm_build_info").first?.labels == ["version": "0.9.1"])
        #expect(exposition.family(named: "gpu_state")?.type == .stateset)
        #expect(exposition.family(named: "gpu_state")?.samples.map(\.value) == [1, 0])
        let steps = try #require(exposition.samples(named: "scheduler_steps").first)
        #expect(steps.value == 3)
        #expect(steps.timestamp == 1_752_100_000.5)
    }

    @Test func labelValuesAndHelpAreUnescaped() throws {
        let exposition = Exposition.parse(Fixtures.escapes)
        #expect(exposition.problems == [])
        let sample = try #require(exposition.samples(named: "model_info").first)
        #expect(sample.labels["path"] == #"C:\models\llama"#)
        #expect(sample.labels["note"] == #"say "hi""#)
        #expect(sample.labels["lines"] == "one\ntwo")
        #expect(sample.labels["empty"] == "")
        #expect(exposition.family(named: "model_info")?.help == "Loaded model; a path like C:\\models\\llama, \"quoted\",\nand a second line.")
    }

    @Test func labelSyntaxTheFormatAllows() throws {
        let text = """
            spaced { gpu = "0" , UUID="GPU-1" , } 5
            empty_braces{} 6
            tricky{a="}",b=",",c="# not an exemplar",d="=\\"{"} 7
            """
        let exposition = Exposition.parse(text)
        #expect(exposition.problems == [])
        #expect(exposition.samples(named: "spaced").first?.labels == ["gpu": "0", "UUID": "GPU-1"])
        #expect(exposition.samples(named: "empty_braces").first?.labels == [:])
        #expect(exposition.samples(named: "tricky").first?.labels == ["a": "}", "b": ",", "c": "# not an exemplar", "d": "=\"{"])
        #expect(exposition.samples(named: "tricky").first?.value == 7)
    }

    @Test(arguments: [
        ("NaN", Double.nan), ("nan", .nan), ("+Inf", .infinity), ("-Inf", -.infinity), ("Inf", .infinity),
        ("+inf", .infinity), ("1e3", 1000), ("1.5E-3", 0.0015), ("-2.5e+2", -250), (".5", 0.5), ("42", 42),
        ("-0", 0), ("1.7521009468734848e+09", 1_752_100_946.873_484_8),
    ])
    func valuesInEveryNotation(text: String, expected: Double) throws {
        let exposition = Exposition.parse("DCGM_FI_DEV_POWER_USAGE{gpu=\"0\"} \(text)\n")
        #expect(exposition.problems == [])
        let value = try #require(exposition.samples(named: "DCGM_FI_DEV_POWER_USAGE").first?.value)
        if expected.isNaN { #expect(value.isNaN) } else { #expect(value == expected) }
    }

    @Test func samplesWithoutTypeFormUntypedFamiliesNamedAfterThem() throws {
        let text = """
            # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
            vllm:num_requests_waiting{model_name="m"} 7
            DCGM_FI_DEV_GPU_UTIL{gpu="0"} 55
            DCGM_FI_DEV_GPU_UTIL{gpu="1"} 65
            tgi_request_duration_bucket{le="1"} 2
            tgi_request_duration_bucket{le="+Inf"} 3
            tgi_request_duration_count 3
            """
        let exposition = Exposition.parse(text)
        #expect(exposition.problems == [])
        #expect(exposition.families.map(\.name) == [
            "vllm:num_requests_waiting", "DCGM_FI_DEV_GPU_UTIL", "tgi_request_duration_bucket", "tgi_request_duration_count",
        ])
        #expect(exposition.families.allSatisfy { $0.type == .untyped })
        #expect(exposition.family(named: "vllm:num_requests_waiting")?.help == "Number of requests waiting to be processed.")
        #expect(exposition.family(named: "DCGM_FI_DEV_GPU_UTIL")?.samples.map(\.value) == [55, 65])
        // A histogram's series are found by name even without its # TYPE.
        let histogram = try #require(exposition.histograms(named: "tgi_request_duration").first)
        #expect(histogram.buckets.map(\.cumulativeCount) == [2, 3])
        #expect(histogram.count == 3)
        #expect(histogram.sum == nil)
    }

    @Test func openMetricsFamiliesWithoutTypeAreUnknown() {
        let exposition = Exposition.parse("queue_depth 4\n# EOF\n")
        #expect(exposition.family(named: "queue_depth")?.type == .unknown)
    }

    /// Each bad line, between two good ones: the line is skipped with a reason and both neighbours are kept.
    @Test(arguments: [
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",", "not closed"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\" 97", "expected `,` or `}`"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0} 97", "no closing quote"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=0} 97", "not in double quotes"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu} 97", "has no `=`"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",gpu=\"1\"} 97", "appears twice"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\" UUID=\"x\"} 97", "expected `,` or `}`"),
        ("DCGM_FI_DEV_GPU_UTIL{0gpu=\"0\"} 97", "expected a label name"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"\\t\"} 97", "invalid escape"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"}", "has no value"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} ninety", "is not a number"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 0x1p3", "is not a number"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 97 1.5", "not integer milliseconds"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 97 99999999999999999999", "not integer milliseconds"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 97 1700000000000 extra", "unexpected `extra`"),
        ("9DCGM 97", "expected a metric name"),
        ("<html><body>502 Bad Gateway</body></html>", "expected a metric name"),
        ("# TYPE DCGM_FI_DEV_FB_USED", "names no type"),
        ("# TYPE DCGM_FI_DEV_FB_USED meter", "unknown type `meter`"),
        ("# TYPE", "not followed by a metric name"),
        ("# HELP DCGM-FI help", "invalid metric name"),
        ("# TYPE before histogram", "comes after its samples"),
        ("# TYPE before gauge", "comes after its samples"),
    ])
    func malformedLineIsSkippedAndTheRestKept(line: String, reason: String) throws {
        let text = "before 1\n" + line + "\nafter{gpu=\"1\"} 2\n"
        let exposition = Exposition.parse(text)
        let problem = try #require(exposition.problems.first)
        #expect(exposition.problems.count == 1)
        #expect(problem.line == 2)
        #expect(problem.reason.contains(reason), "\(problem)")
        #expect(problem.description.hasPrefix("line 2: "))
        #expect(exposition.samples(named: "before").map(\.value) == [1])
        #expect(exposition.samples(named: "after").map(\.value) == [2])
    }

    @Test func secondTypeOrHelpIsAProblemAndTheFirstStands() {
        let text = """
            # HELP tgi_queue_size Current queue size
            # HELP tgi_queue_size Something else
            # TYPE tgi_queue_size gauge
            # TYPE tgi_queue_size counter
            tgi_queue_size 3
            # TYPE tgi_queue_size_bucket gauge
            # TYPE lat histogram
            lat 4
            """
        let exposition = Exposition.parse(text)
        #expect(exposition.problems.map(\.line) == [2, 4, 8])
        #expect(exposition.problems.last?.reason.contains("does not fit histogram `lat`") == true)
        #expect(exposition.family(named: "tgi_queue_size")?.type == .gauge)
        #expect(exposition.family(named: "tgi_queue_size")?.help == "Current queue size")
        #expect(exposition.samples(named: "tgi_queue_size").map(\.value) == [3])
    }

    @Test func crlfLineEndingsAndTrailingWhitespace() throws {
        let text = "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).  \r\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\r\n"
            + "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-1\"} 97 \t\r\n\r\n  DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",UUID=\"GPU-2\"} 12\r\n"
        let exposition = Exposition.parse(text)
        #expect(exposition.problems == [])
        let family = try #require(exposition.family(named: "DCGM_FI_DEV_GPU_UTIL"))
        #expect(family.type == .gauge)
        #expect(family.help == "GPU utilization (in %).")
        #expect(family.samples.map(\.value) == [97, 12])
        #expect(family.samples.map { $0.labels["UUID"] } == ["GPU-1", "GPU-2"])
    }

    @Test func openMetricsWithCRLFAndAByteOrderMarkIsStillDetected() {
        let exposition = Exposition.parse("\u{FEFF}# TYPE a gauge\r\na 1\r\n# EOF\r\n")
        #expect(exposition.format == .openMetrics)
        #expect(exposition.problems == [])
        #expect(exposition.samples(named: "a").map(\.value) == [1])
    }

    @Test func timestampsAreMillisecondsIn004AndSecondsInOpenMetrics() {
        let text = Exposition.parse("tgi_queue_size 3 1752100000123\nnegative 1 -1500\n")
        #expect(text.samples(named: "tgi_queue_size").first?.timestamp == 1_752_100_000.123)
        #expect(text.samples(named: "negative").first?.timestamp == -1.5)
        let openMetrics = Exposition.parse("tgi_queue_size 3 1752100000.123\n# EOF\n")
        #expect(openMetrics.samples(named: "tgi_queue_size").first?.timestamp == 1_752_100_000.123)
        let notFinite = Exposition.parse("tgi_queue_size 3 NaN\n# EOF\n")
        #expect(notFinite.problems.first?.reason.contains("not a number of seconds") == true)
    }

    @Test func contentAfterEOFIsIgnoredAndReportedOnce() {
        let exposition = Exposition.parse("a 1\n# EOF\nb 2\nc 3\n", format: .openMetrics)
        #expect(exposition.samples(named: "a").count == 1)
        #expect(exposition.samples(named: "b").isEmpty)
        #expect(exposition.problems == [ExpositionProblem(line: 3, reason: "content after `# EOF` is ignored")])
    }

    @Test func openMetricsWithoutEOFIsReportedAsCutShort() {
        let exposition = Exposition.parse("a 1\nb 2\n", format: .openMetrics)
        #expect(exposition.samples(named: "b").map(\.value) == [2])
        #expect(exposition.problems.map(\.line) == [2])
        #expect(exposition.problems.first?.reason.contains("no `# EOF`") == true)
    }

    @Test func ordinaryCommentsAndAnEmptyScrape() {
        #expect(Exposition.parse("# just a comment\n#\n# HELPER not help\n").families == [])
        let empty = Exposition.parse("")
        #expect(empty.families == [])
        #expect(empty.problems == [])
        #expect(empty.format == .prometheusText)
    }

    @Test(arguments: [
        ("text/plain; version=0.0.4; charset=utf-8", ExpositionFormat.prometheusText),
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", .openMetrics),
        ("Application/OpenMetrics-Text", .openMetrics),
        ("text/plain", .prometheusText),
    ])
    func formatFromContentType(contentType: String, format: ExpositionFormat) {
        #expect(ExpositionFormat(contentType: contentType) == format)
    }

    @Test func unknownContentTypeNamesNoFormat() {
        #expect(ExpositionFormat(contentType: "text/html; charset=utf-8") == nil)
        #expect(ExpositionFormat(contentType: "") == nil)
    }

    /// Seeded hostile scrapes built from the characters the grammar cares about: no trap, and every problem points at
    /// a line that exists.
    @Test func hostileInputNeverTraps() {
        let pieces = [
            "a", "vllm:x", "_bucket", "{", "}", "=", "\"", "\\", ",", " ", "\t", "\n", "\r\n", "#", " # ", "HELP", "TYPE",
            "UNIT", "EOF", "le", "+Inf", "-Inf", "NaN", "1e308", "1e999", "-0", "9223372036854775808", "0.5", "é", "\u{0}",
            "histogram", "counter", "_count", "_sum", "x_total",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for _ in 0..<2_000 {
            let text = (0..<(next() % 60)).map { _ in pieces[next() % pieces.count] }.joined()
            let exposition = Exposition.parse(text)
            let lineCount = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
            #expect(exposition.problems.allSatisfy { $0.line >= 1 && $0.line <= max(lineCount, 1) })
            let sampleNames = exposition.families.flatMap { $0.samples.map(\.name) }
            for base in Set(sampleNames.filter { $0.hasSuffix("_bucket") }.map { String($0.dropLast(7)) }) {
                for histogram in exposition.histograms(named: base) {
                    _ = histogram.quantile(0.5)
                    _ = histogram.since(histogram).quantile(0.99)
                }
            }
        }
    }
}
