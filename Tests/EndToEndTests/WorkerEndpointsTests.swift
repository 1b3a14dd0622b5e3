import Foundation
import Testing
import TestSupport

/// Issue 5: every worker serves /healthz, /readyz and /metrics.
@Suite("Worker HTTP endpoints", .timeLimit(.minutes(3)))
struct WorkerEndpointsTests {
    @Test func readyzFollowsPostgresDownAndBackAndMetricsCountEveryAppliedEvent() async throws {
        let postgres = try await StoryStack.blocking { try EmbeddedPostgres() }
        let stack = try StoryStack(name: "endpoints", databaseServerURL: postgres.url)
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 10, prefix: "endpoints")
        try await generator.publish(0..<2_000, with: stack.producer)

        let port = try LocalHTTP.freePort()
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("endpoints"), batchSize: 500,
                                           extraArguments: ["--http-port", String(port), "--http-host", "127.0.0.1"])
        defer { _ = try? worker.kill(SIGKILL) }
        try await stack.waitForCheckpoints(total: 2_000, workers: [worker])

        #expect(try await get(port, "/healthz")?.status == 200)
        try await waitForReadiness(port, worker: worker, status: 200)

        // Down: /readyz names the database; /healthz still answers.
        try await StoryStack.blocking { try postgres.stop() }
        let unready = try await waitForReadiness(port, worker: worker, status: 503)
        #expect(unready.contains("\"failing\":[\"database\"]"), "\(unready)")
        #expect(try await get(port, "/healthz")?.status == 200)
        // Events arriving meanwhile cannot commit: retried.
        try await generator.publish(2_000..<2_500, with: stack.producer)
        try await waitUntil(timeout: .seconds(60), description: "a commit to fail during the outage") {
            worker.log().contains("database unavailable")
        }
        #expect(try await get(port, "/readyz")?.status == 503)

        // Back: ready again, and it applies what arrived meanwhile.
        try await StoryStack.blocking { try postgres.start() }
        try await waitForReadiness(port, worker: worker, status: 200)
        try await stack.waitForCheckpoints(total: 2_500, workers: [worker])

        let metrics = try #require(try await get(port, "/metrics"))
        #expect(metrics.status == 200)
        let text = try PrometheusText(parsing: metrics.body)
        #expect(text.types["annals_events_applied_total"] == "counter")
        #expect(text.value("annals_events_applied_total", ["projection": "story"]) == 2_500)
        #expect(text.value("annals_dead_letters_total", ["projection": "story"]) ?? 0 == 0)
        #expect(text.types["annals_batch_duration_seconds"] == "histogram")
        #expect((text.value("annals_batch_duration_seconds_count") ?? 0) >= 5)
        #expect(text.types["annals_end_to_end_latency_seconds"] == "histogram")
        #expect(text.value("annals_end_to_end_latency_seconds_count") == 2_500)
        #expect(text.value("annals_assigned_partitions", ["projection": "story"]) == 4)
        #expect(text.value("annals_database_up", ["projection": "story"]) == 1)
        #expect((text.value("annals_rebalances_total") ?? 0) >= 1)
        #expect((text.value("annals_retries_total", ["projection": "story"]) ?? 0) >= 1)

        // Caught up: every partition reports its lag, and it is zero.
        try await waitUntil(timeout: .seconds(30), pollInterval: .milliseconds(200), description: "lag 0 on 4 partitions") {
            guard let body = try await get(port, "/metrics")?.body else { return false }
            let lags = try PrometheusText(parsing: body).samples.filter { $0.name == "annals_consumer_lag_messages" }
            return lags.count == 4 && lags.allSatisfy { $0.value == 0 }
        }

        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")
    }

    @Test func aWorkerWhosePortIsTakenExitsSayingWhatToDo() async throws {
        let stack = try StoryStack(name: "endpoints_port")
        defer { stack.tearDown() }
        let port = try LocalHTTP.freePort()
        let group = TestKafkaCluster.uniqueGroupID("endpoints-port")
        let first = try stack.startWorker(group: group, name: "first", extraArguments: ["--http-port", String(port), "--http-host", "127.0.0.1"])
        defer { _ = try? first.kill(SIGKILL) }
        try await waitUntil(timeout: .seconds(60), description: "the first worker to serve /healthz") {
            if let exit = first.status() { throw TestSupportFailure("first worker \(exit) early: \(first.logTail())") }
            return try await get(port, "/healthz")?.status == 200
        }

        let second = try stack.startWorker(group: group, name: "second", extraArguments: ["--http-port", String(port), "--http-host", "127.0.0.1"])
        defer { _ = try? second.kill(SIGKILL) }
        let status = try await second.waitForExit(timeout: .seconds(60))
        #expect(status != .exited(0))
        #expect(second.log().contains("pass --http-port with a free port, or --http-port 0 to turn the endpoints off"), "\(second.logTail())")
        #expect(first.isRunning)
    }

    @Test func prometheusReaderRejectsMalformedExposition() throws {
        #expect(throws: (any Error).self) { try PrometheusText(parsing: "no_type 1\n") }
        #expect(throws: (any Error).self) { try PrometheusText(parsing: "# TYPE a counter\na{x=\"1} 1\n") }
        #expect(throws: (any Error).self) { try PrometheusText(parsing: "# TYPE a counter\na one\n") }
        let good = try PrometheusText(parsing: "# HELP a things\n# TYPE a counter\na{x=\"q\\\"\"} 2\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 1.5\nh_count 3\n")
        #expect(good.value("a", ["x": "q\""]) == 2)
        #expect(good.value("h_count") == 3)
    }

    private func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String)? {
        try await StoryStack.blocking { try LocalHTTP.get(port: port, path: path) }
    }

    /// Polls /readyz until it answers `status`; returns that body.
    @discardableResult
    private func waitForReadiness(_ port: Int, worker: ChildProcess, status: Int) async throws -> String {
        var body = ""
        try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(100), description: "/readyz to answer \(status)") {
            if let exit = worker.status() { throw TestSupportFailure("worker \(exit) early: \(worker.logTail())") }
            guard let response = try await get(port, "/readyz") else { return false }
            body = response.body
            return response.status == status
        }
        return body
    }
}
