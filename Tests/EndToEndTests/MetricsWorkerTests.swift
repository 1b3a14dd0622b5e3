import AnnalsEvents
import AnnalsMetrics
import Foundation
import Kafka
import Logging
import MetricsProjection
import Postgres
import Projection
import Testing
import TestSupport

/// `annals-metrics-worker` as a process: metric-sample in, metrics.* and scale-decision out; replays and crashes
/// reproduce the same decision ids.
@Suite("Metrics worker", .timeLimit(.minutes(4)))
struct MetricsWorkerTests {
    static let trace = "ramp-100-to-10000"

    /// One test's cluster (metric-sample and scale-decision), database and producer.
    struct Stack {
        let kafka: TestKafkaCluster
        let database: TestDatabase
        let producer: KafkaProducer

        init(_ name: String) throws {
            kafka = try TestKafkaCluster(topics: ["metric-sample": 3, "scale-decision": 3])
            database = try TestDatabase.create(prefix: name)
            producer = try KafkaProducer(config: kafka.config, logger: StoryStack.logger)
        }

        func publish(_ samples: [MetricSample]) async throws {
            try await StoryEventGenerator.send(try samples.map(MetricTraceFile.record), with: producer)
        }

        func startWorker(batchSize: Int, name: String = "metrics-worker", database: TestDatabase? = nil,
                         extra: [String] = []) throws -> ChildProcess {
            try ChildProcess.annals(
                "annals-metrics-worker",
                arguments: [
                    "--brokers", kafka.bootstrapServers, "--database-url", (database ?? self.database).url,
                    "--group", TestKafkaCluster.uniqueGroupID("metrics"), "--batch-size", String(batchSize), "--linger-ms", "5",
                    "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=200",
                ] + extra,
                logPath: ChildProcess.temporaryPath(name: name, suffix: ".log"))
        }

        func query(_ sql: String, in database: TestDatabase? = nil) async throws -> [PostgresRow] {
            let database = database ?? self.database
            return try await onOwnThread { try database.connect().execute(sql).rows }
        }

        /// Sum of the metrics projection's stored next offsets (0 before its tables exist).
        func checkpointTotal() async throws -> Int {
            let present = try await query("SELECT to_regclass('annals.checkpoints') IS NOT NULL AS present").first?.bool("present")
            guard present == true else { return 0 }
            return try await query(
                "SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM annals.checkpoints WHERE projection = 'metrics'"
            ).first?.int("n") ?? 0
        }

        func waitForCheckpoints(_ total: Int, worker: ChildProcess) async throws {
            try await waitUntil(timeout: .seconds(120), pollInterval: .milliseconds(100), description: "metrics checkpoints at \(total)") {
                if let status = worker.status() { throw TestSupportFailure("worker \(status): \(worker.logTail())") }
                return try await checkpointTotal() == total
            }
        }

        /// Decision ids in metrics.decisions by tier, in the order made.
        func storedDecisions() async throws -> [String: [String]] {
            var decisions: [String: [String]] = [:]
            for row in try await query(#"SELECT tier, decision_id FROM metrics.decisions ORDER BY partition, "offset", ordinal"#) {
                decisions[try row.string("tier"), default: []].append(try row.string("decision_id"))
            }
            return decisions
        }

        func unsentDecisions(in database: TestDatabase? = nil) async throws -> Int {
            try await query("SELECT count(*) AS n FROM metrics_outbox.decisions WHERE sent_at IS NULL", in: database).first?.int("n") ?? -1
        }

        func checksums(in database: TestDatabase? = nil) async throws -> [String] {
            let database = database ?? self.database
            return try await onOwnThread {
                try TableChecksum.checksums(of: MetricsProjection(), connection: try database.connect())
                    .map { "\($0.table) \($0.rows) \($0.checksum)" }
            }
        }

        /// Messages on scale-decision: the high watermarks' sum.
        func decisionsOnTopic() async throws -> Int64 {
            let config = kafka.config
            return try await onOwnThread {
                let admin = try KafkaAdmin(config: config, logger: StoryStack.logger)
                return try (0..<3).map { try admin.watermarks(TopicPartition(topic: "scale-decision", partition: $0)).high }.reduce(0, +)
            }
        }

        /// Every decision on scale-decision, by tier in partition order, once `condition` holds for them.
        func readDecisions(until condition: @escaping @Sendable ([String: [String]]) -> Bool) async throws -> [String: [String]] {
            let consumer = TestConsumer(config: kafka.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID("decisions"),
                                        topics: ["scale-decision"])
            let state = try await consumer.waitUntil(timeout: .seconds(60), "the decisions on scale-decision") {
                condition(Self.decisions(in: $0.messages))
            }
            try await consumer.close()
            return Self.decisions(in: state.messages)
        }

        static func decisions(in messages: [KafkaMessage]) -> [String: [String]] {
            var decisions: [String: [String]] = [:]
            for message in messages.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
                guard case .scaleDecision(let decision)? = try? AnnalsTopic.scaleDecision.decode(binary: message.value ?? []),
                      message.key == Array(decision.tier.name.utf8)
                else { continue }
                decisions[decision.tier.name, default: []].append(decision.decisionID)
            }
            return decisions
        }
    }

    /// The ids `Autoscaler` computes in this process over the samples: what the worker's policy must decide.
    static func inProcessDecisions(_ samples: [MetricSample]) -> [String: [String]] {
        var autoscaler = Autoscaler()
        var decisions: [String: [String]] = [:]
        for sample in samples {
            for decision in autoscaler.observe(sample).decisions {
                decisions[decision.tier.name, default: []].append(decision.decisionID)
            }
        }
        return decisions
    }

    /// The worker's /metrics shows each tier's newest closed minute (the one before its latest sample's) as the
    /// pure fold of the trace computes it, the capacity the policy wants, its cost per hour and the budget.
    @Test func theFleetGaugesShowEachTiersNewestClosedMinute() async throws {
        let stack = try Stack("metrics_fleet")
        defer { try? stack.database.drop() }
        let samples = try MetricTraceFile.samples(Self.trace)
        try await stack.publish(samples)
        let port = try LocalHTTP.freePort()
        let worker = try stack.startWorker(
            batchSize: 200, extra: ["--http-port", String(port), "--http-host", "127.0.0.1", "--hourly-budget", "42.5"])
        defer { try? worker.kill(SIGKILL) }
        try await stack.waitForCheckpoints(samples.count, worker: worker)

        let rollups = MinuteRollups(samples)
        var expected: [String: MinuteRollup] = [:]
        for tier in Tier.scaled {
            guard let latest = samples.filter({ $0.tier == tier }).map({ Minute(containing: $0.sampledAt) }).max() else { continue }
            expected[tier.name] = rollups.rollups(for: tier).last { $0.minute < latest }
        }
        #expect(expected.count == 3)
        let desired = try await stack.query("SELECT tier, capacity FROM metrics.autoscaler_state")
        func gauges() async throws -> [String: Double] {
            let body = try await onOwnThread { try LocalHTTP.get(port: port, path: "/metrics")?.body ?? "" }
            var values: [String: Double] = [:]
            for line in body.split(separator: "\n") where line.hasPrefix("annals_fleet_") {
                let parts = line.split(separator: " ")
                if parts.count == 2 { values[String(parts[0])] = Double(parts[1]) }
            }
            return values
        }
        var shown: [String: Double] = [:]
        try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(200), description: "the fleet gauges of the last minutes") {
            shown = try await gauges()
            return expected.allSatisfy { tier, rollup in
                shown["annals_fleet_minute_timestamp_seconds{tier=\"\(tier)\"}"] == Double(rollup.minute.index * 60)
            }
        }
        #expect(shown["annals_fleet_cost_budget_dollars_per_hour"] == 42.5)
        for (tier, rollup) in expected {
            func value(_ name: String) -> Double? { shown["\(name){tier=\"\(tier)\"}"] }
            func close(_ name: String, _ expected: Double?) {
                let shownValue: Double = value(name) ?? -.infinity
                guard let expected else {
                    #expect(shownValue.isNaN, "\(tier) \(name): NaN for no reading, not \(shownValue)")
                    return
                }
                let tolerance: Double = 1e-9 * max(1, abs(expected))
                #expect(abs(shownValue - expected) <= tolerance, "\(tier) \(name): \(shownValue) vs \(expected)")
            }
            close("annals_fleet_instances_reporting", Double(rollup.instancesReporting))
            close("annals_fleet_current_capacity", Double(rollup.instancesReporting))
            close("annals_fleet_gpu_utilization_mean", rollup.meanGPUUtilization)
            close("annals_fleet_gpu_utilization_max", rollup.maxGPUUtilization)
            close("annals_fleet_gpu_memory_utilization_max", rollup.maxGPUMemoryUtilization)
            close("annals_fleet_queue_depth", rollup.queueDepth.map { Double($0) })
            close("annals_fleet_latency_p95_seconds", rollup.latencyP95Seconds)
            close("annals_fleet_active_players", rollup.activePlayers.map { Double($0) })
            close("annals_fleet_spot_interruption_notice", rollup.spotInterruptionNotice ? 1 : 0)
            let wanted = try desired.first { try $0.string("tier") == tier }.map { Double(try $0.int("capacity")) }
            close("annals_fleet_desired_capacity", wanted)
            let policy = ScalePolicySettings(), price = try PriceTable.defaults.price(of: try #require(Tier(name: tier)))
            close("annals_fleet_cost_dollars_per_hour",
                  try wanted.map { CapacityCost(policy.split(Int(try #require(Int(exactly: $0)))), minutes: 60, price: price).dollars })
            close("annals_fleet_max_capacity", Double(policy[try #require(Tier(name: tier))].maxInstances))
            close("annals_fleet_queue_depth_target_per_instance", policy[try #require(Tier(name: tier))].queueDepthPerInstance)
            #expect((value("annals_fleet_minutes_since_last_sample") ?? 0) > 60, "the trace's samples are from the past: \(tier)")
        }
    }

    @Test func replayingMetricSampleReproducesThePublishedDecisionIDs() async throws {
        let stack = try Stack("metrics_replay")
        defer { try? stack.database.drop() }
        let samples = try MetricTraceFile.samples(Self.trace)
        try await stack.publish(samples)
        let expected = Self.inProcessDecisions(samples)
        #expect(expected.values.map(\.count).reduce(0, +) > 20)

        let worker = try stack.startWorker(batchSize: 100)
        try await stack.waitForCheckpoints(samples.count, worker: worker)
        let published = try await stack.readDecisions { $0.values.map(\.count).reduce(0, +) >= expected.values.map(\.count).reduce(0, +) }
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")

        #expect(published == expected, "each tier's decisions on scale-decision, in order, each once")
        #expect(try await stack.storedDecisions() == expected)
        #expect(try await stack.unsentDecisions() == 0)
        let live = try await stack.checksums()
        let onTopic = try await stack.decisionsOnTopic()

        let replay = try ChildProcess.annals("annals", arguments: [
            "replay", "metrics", "--in-place", "--brokers", stack.kafka.bootstrapServers, "--database-url", stack.database.url,
        ])
        #expect(try await replay.waitForExit(timeout: .seconds(90)) == .exited(0), "\(replay.log())")
        #expect(try await stack.checksums() == live, "a replay rebuilds every metrics table as it was")
        #expect(try await stack.storedDecisions() == expected)
        #expect(try await stack.decisionsOnTopic() == onTopic, "a replay publishes nothing")
        #expect(try await stack.unsentDecisions() == 0)
    }

    @Test func aWorkerRebuildingIntoAnEmptyDatabasePublishesNoPastDecisionAgain() async throws {
        let stack = try Stack("metrics_lost")
        let restored = try TestDatabase.create(prefix: "metrics_lost_restored")
        defer {
            try? stack.database.drop()
            try? restored.drop()
        }
        let samples = try MetricTraceFile.samples(Self.trace)
        try await stack.publish(samples)
        let first = try stack.startWorker(batchSize: 100)
        try await stack.waitForCheckpoints(samples.count, worker: first)
        try await waitUntil(timeout: .seconds(60), description: "the outbox to empty") { try await stack.unsentDecisions() == 0 }
        try first.kill(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(30)) == .exited(0), "\(first.logTail())")
        let onTopic = try await stack.decisionsOnTopic()
        #expect(onTopic > 20)

        // The database is lost: a worker on an empty one rebuilds from offset 0 and makes every decision again.
        let second = try stack.startWorker(batchSize: 100, name: "metrics-lost", database: restored)
        try await waitUntil(timeout: .seconds(120), pollInterval: .milliseconds(100), description: "the rebuild to finish") {
            if let status = second.status() { throw TestSupportFailure("worker \(status): \(second.logTail())") }
            let migrated = try await stack.query("SELECT to_regclass('annals.checkpoints') IS NOT NULL AS present", in: restored)
            guard try migrated.first?.bool("present") == true else { return false }
            let rows = try await stack.query(
                "SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM annals.checkpoints WHERE projection = 'metrics'", in: restored)
            return try rows.first?.int("n") == samples.count
        }
        try await waitUntil(timeout: .seconds(60), description: "the restored outbox to empty") {
            try await stack.unsentDecisions(in: restored) == 0
        }
        try second.kill(SIGTERM)
        #expect(try await second.waitForExit(timeout: .seconds(30)) == .exited(0), "\(second.logTail())")
        #expect(try await stack.query("SELECT count(*) AS n FROM metrics.decisions", in: restored).first?.int("n") == Int(onTopic))
        #expect(try await stack.decisionsOnTopic() == onTopic, "every decision was already on scale-decision: none is sent again")
        #expect(second.log().contains("outbox reconciled with scale-decision"), "\(second.logTail())")
    }

    @Test func aWorkerKilledMidTraceEndsAsACleanRunAndEveryDecisionIsPublished() async throws {
        let stack = try Stack("metrics_kills")
        let clean = try TestDatabase.create(prefix: "metrics_kills_clean")
        defer {
            try? stack.database.drop()
            try? clean.drop()
        }
        let samples = try MetricTraceFile.samples(Self.trace)

        // The trace arrives in chunks of 100 while the worker runs; after every sixth chunk, once the worker has
        // committed some of it, a SIGKILL lands mid-batch, mid-transaction or between a commit and its publishing.
        // Small batches, so there are many such instants.
        var kills = 0
        var leftUnsent = 0
        var worker = try stack.startWorker(batchSize: 20, name: "metrics-kills")
        for (index, first) in stride(from: 0, to: samples.count, by: 100).enumerated() {
            let before = try await stack.checkpointTotal()
            try await stack.publish(Array(samples[first..<min(first + 100, samples.count)]))
            guard index % 6 == 5 else { continue }
            try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(5), description: "the worker to commit") {
                if let status = worker.status() { throw TestSupportFailure("worker \(status): \(worker.logTail())") }
                return try await stack.checkpointTotal() > before
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...50)))
            try worker.kill(SIGKILL)
            #expect(try await worker.waitForExit(timeout: .seconds(10)) == .signaled(SIGKILL))
            kills += 1
            leftUnsent += try await stack.unsentDecisions()
            worker = try stack.startWorker(batchSize: 20, name: "metrics-kills")
        }
        try await stack.waitForCheckpoints(samples.count, worker: worker)
        try await waitUntil(timeout: .seconds(60), description: "the outbox to empty") { try await stack.unsentDecisions() == 0 }
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")
        print("aWorkerKilledMidTraceEndsAsACleanRunAndEveryDecisionIsPublished: \(kills) SIGKILLs over \(samples.count) samples, "
            + "\(leftUnsent) committed decisions left unsent by them")

        // The clean run: the same topic rebuilt in one go into another database.
        let kafka = stack.kafka.consumerConfig
        let cleanURL = clean.url
        _ = try await onOwnThread {
            try ProjectionRebuild.inPlace(MetricsProjection(), kafka: kafka, databaseURL: cleanURL, logger: StoryStack.logger,
                                          progress: { _ in })
        }
        #expect(try await stack.checksums() == stack.checksums(in: clean))

        let stored = try await stack.storedDecisions()
        #expect(stored == Self.inProcessDecisions(samples))
        let published = try await stack.readDecisions { published in
            stored.allSatisfy { tier, ids in Set(published[tier] ?? []).isSuperset(of: ids) }
        }
        #expect(Set(published.values.joined()) == Set(stored.values.joined()), "every decision published, none invented")
        let duplicates = published.values.map(\.count).reduce(0, +) - stored.values.map(\.count).reduce(0, +)
        print("aWorkerKilledMidTraceEndsAsACleanRunAndEveryDecisionIsPublished: \(duplicates) decisions published twice")
    }

    @Test func decisionsCommittedButNotSentBeforeACrashAreSentByTheNextWorker() async throws {
        let stack = try Stack("metrics_unsent")
        defer { try? stack.database.drop() }
        // What a worker killed between its commits and their publishing leaves: decisions queued, none sent.
        let database = stack.database
        let queued = try await onOwnThread { () -> [DecisionOutbox.Entry] in
            let db = try database.connect()
            let projection = MetricsProjection(queuesDecisions: true)
            try ProjectionMigrator.migrate(projection, connection: db)
            let events = try MetricTraceFile.samples("spike").enumerated().map { index, sample in
                ProjectedEvent(event: .metricSample(sample),
                               coordinates: EventCoordinates(topic: "metric-sample", partition: 0, offset: Int64(index)))
            }
            try db.transaction { try projection.apply(events, schema: projection.schema, connection: $0) }
            return try DecisionOutbox.unsent(limit: 1_000, connection: db)
        }
        #expect(!queued.isEmpty)

        let worker = try stack.startWorker(batchSize: 100)
        let expected = Dictionary(grouping: queued, by: \.tier).mapValues { $0.map(\.decisionID) }
        let published = try await stack.readDecisions { $0.values.map(\.count).reduce(0, +) >= queued.count }
        try await waitUntil(timeout: .seconds(30), description: "the outbox to empty") { try await stack.unsentDecisions() == 0 }
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")
        #expect(published == expected)
    }

    /// Issue 4 end to end: samples → annals-metrics-worker → scale-decision → annals-scaling-worker → the ECS actuator
    /// on moto (gold's service; silver and bronze have no target and stop at their capacity rows).
    @Test(.enabled(if: MotoServer.executable != nil, "moto[server] is not in the venv: run dev/setup"))
    func theScalingWorkerEndsAtTheCapacityThePolicyLastDecided() async throws {
        let moto = try await MotoServer()
        let key = try await ScalingWorkerTests.setUp(moto)
        let stack = try Stack("metrics_to_scaling")
        defer { try? stack.database.drop() }
        let samples = try MetricTraceFile.samples(Self.trace)
        try await stack.publish(samples)
        let metrics = try stack.startWorker(batchSize: 500)
        let scaling = try ChildProcess.annals(
            "annals-scaling-worker",
            arguments: [
                "--brokers", stack.kafka.bootstrapServers, "--database-url", stack.database.url,
                "--group", TestKafkaCluster.uniqueGroupID("scaling"), "-X", "session.timeout.ms=6000",
                "-X", "heartbeat.interval.ms=200",
                "--actuator", "ecs", "--aws-endpoint", moto.endpoint, "--aws-region", "us-east-1",
                "--ecs-cluster", "annals", "--ecs-service", "gold=game-gold", "--actuation-poll-ms", "200",
            ],
            environment: ["AWS_ACCESS_KEY_ID": key.id, "AWS_SECRET_ACCESS_KEY": key.secret],
            removingEnvironment: ["AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"])
        var expected: [String: String] = [:]
        try await stack.waitForCheckpoints(samples.count, worker: metrics)
        for row in try await stack.query("SELECT tier, capacity FROM metrics.autoscaler_state") {
            expected[try row.string("tier")] = String(try row.int("capacity"))
        }
        let lastDecisions = try await stack.query(
            #"SELECT DISTINCT ON (tier) tier, decision_id FROM metrics.decisions ORDER BY tier, partition DESC, "offset" DESC, ordinal DESC"#)
        #expect(lastDecisions.count == 3)
        try await waitUntil(timeout: .seconds(90), pollInterval: .milliseconds(200),
                            description: "the scaling worker to actuate every tier's last decision") {
            for process in [metrics, scaling] {
                if let status = process.status() { throw TestSupportFailure("\(process.commandLine) \(status): \(process.logTail())") }
            }
            let present = try await stack.query("SELECT to_regclass('scaling_actuation.applied') IS NOT NULL AS present")
            guard try present.first?.bool("present") == true else { return false }
            let applied = try await stack.query("SELECT desired_capacity::text AS desired FROM scaling_actuation.applied WHERE tier = 'gold'")
            return try applied.first?.string("desired") == expected["gold"]
        }
        #expect(try await String(ScalingWorkerTests.describe(moto, key).service) == expected["gold"],
                "the ECS service's desired count is gold's last decided capacity")
        let capacity = try await stack.query("SELECT tier, decision_id, desired_capacity::text AS desired FROM scaling.capacity")
        #expect(try Dictionary(capacity.map { (try $0.string("tier"), try $0.string("desired")) }, uniquingKeysWith: { a, _ in a })
            == expected)
        #expect(try Set(capacity.map { try $0.string("decision_id") }) == Set(lastDecisions.map { try $0.string("decision_id") }))
        try await Self.expectTheRecordedDecisionsCostWhatTheBacktestsDecisionsCost(samples, stack: stack, scaling: scaling)
        for process in [scaling, metrics] {
            try process.kill(SIGTERM)
            #expect(try await process.waitForExit(timeout: .seconds(30)) == .exited(0), "\(process.logTail())")
        }
    }

    /// `annals cost` over the replayed trace's period, read from the decisions the scaling worker recorded, equals the
    /// same period priced from the decisions the policy makes in process (`Backtest.run`) over the same samples.
    static func expectTheRecordedDecisionsCostWhatTheBacktestsDecisionsCost(_ samples: [MetricSample], stack: Stack,
                                                                            scaling: ChildProcess) async throws {
        let decisions = Backtest.run(samples).tiers.flatMap(\.decisions)
        try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(200),
                            description: "the scaling worker to record all \(decisions.count) decisions") {
            if let status = scaling.status() { throw TestSupportFailure("scaling worker \(status): \(scaling.logTail())") }
            return try await stack.query("SELECT count(*)::bigint AS n FROM scaling.decisions").first?.int("n") == decisions.count
        }
        let times = samples.map { Date(timeIntervalSince1970: TimeInterval($0.sampledAt.seconds)) }
        let since = try #require(times.min()), until = try #require(times.max()).addingTimeInterval(60)
        var changes: [Tier: [CapacityTimeline.Change]] = [:]
        for decision in decisions {
            let at = Date(timeIntervalSince1970: TimeInterval(decision.decidedAt.microsecondsSinceEpoch) / 1_000_000)
            changes[decision.tier, default: []].append(CapacityTimeline.Change(at: at, split: decision.split))
        }
        let expected = try PeriodCost(changes, since: since, until: until, prices: .defaults)
        let format = ISO8601DateFormatter()
        let run = try await CommandLineTests.annals([
            "cost", "--since", format.string(from: since), "--until", format.string(from: until), "--json",
            "--database-url", stack.database.url,
        ])
        #expect(run.status == .exited(0), "\(run)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let tiers = try #require(report["tiers"] as? [[String: Any]])
        for tier in expected.tiers {
            let shown = (tiers.first { $0["tier"] as? String == tier.tier.name }?["cost"] as? [String: Any])?["dollars"] as? Double
            #expect(shown.map { abs($0 - tier.provisioned.dollars) < 1e-6 } == true,
                    "\(tier.tier.name): annals cost \(String(describing: shown)), the policy's decisions \(tier.provisioned.dollars)")
        }
        let total = (report["total"] as? [String: Any])?["dollars"] as? Double
        #expect(total.map { abs($0 - expected.total.provisioned.dollars) < 1e-6 } == true && expected.total.provisioned.dollars > 10,
                "in all: annals cost \(String(describing: total)), the policy's decisions \(expected.total.provisioned.dollars)")
    }
}
