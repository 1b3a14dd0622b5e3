import AnnalsEvents
import ArgumentParser
import Foundation
import Kafka
import Logging
import Postgres
import Projection
import Story

/// `annals-bench`: throughput of the story projection against Postgres COPY of the same rows and against
/// a row-at-a-time consumer, in one run on one machine. Prints figures; asserts nothing but correctness.
struct StoryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "story",
        abstract: "Drain a story-event backlog through the worker; compare with COPY and a row-at-a-time consumer.",
        discussion: """
        Starts an in-process Kafka dev cluster, produces --events deterministic story events, then:
          1. worker drain: ProjectionRebuild.inPlace of the story projection (the real worker path);
          2. COPY limit: the same rows COPYed into empty copies of the same tables (schema story_copy);
          3. baseline: one transaction per event (insert, world upsert, checkpoint) on a sample.
        DESTRUCTIVE for the target database: it rebuilds the story schema. Use a scratch database.
        """)

    @Option(help: "Events in the backlog.") var events = 500_000
    @Option(help: "Distinct worlds (the partitioning key).") var worlds = 1_000
    @Option(help: """
        Partitions of story-event (at most --worlds). The in-process mock broker keeps at most 5 MiB per partition \
        and silently drops older messages, so the bench raises this to what the backlog needs.
        """)
    var partitions = 4
    @Option(help: "Most events per worker transaction (RunnerStateMachine.Settings.maxBatch).") var batchSize = 5_000
    @Option(help: "Events the row-at-a-time baseline applies; its rate is extrapolated to --events.")
    var baselineSample = 20_000
    @Option(help: "libpq URL of a scratch database (default: $DATABASE_URL).") var databaseURL: String?
    @Flag(help: "Keep the scratch schemas story_copy and story_rowwise.") var keep = false

    func validate() throws {
        guard events >= 1, worlds >= 1, partitions >= 1, batchSize >= 1, baselineSample >= 1 else {
            throw ValidationError("--events, --worlds, --partitions, --batch-size and --baseline-sample must be ≥ 1")
        }
        guard partitions <= worlds else {
            throw ValidationError("--partitions must not exceed --worlds (each world lives on one partition)")
        }
    }

    func run() async throws {
        let url = try benchStart(databaseURL: databaseURL)
        let started = now()
        let generator = StoryEventGenerator(worlds: worlds)
        let baselineSample = min(self.baselineSample, events)

        // 1. Backlog.
        Memory.startPhase()
        let partitions = try Self.partitionsFitting(events, generator: generator, requested: self.partitions, worlds: worlds)
        let cluster = try KafkaDevCluster(brokers: 1)
        try cluster.createTopic(AnnalsTopic.storyEvent.rawValue, partitions: Int32(partitions), replicationFactor: 1)
        let kafka = KafkaConfig(brokers: cluster.bootstrapServers)
        let produce = try await Self.produce(events, generator: generator, partitions: partitions, kafka: kafka)
        var phases = [PhaseFigures(
            name: "produce (generate+encode+send)", events: events, seconds: produce.seconds,
            peakKiB: Memory.phasePeakKiB(), note: "in-process mock broker")]

        // 2. Worker drain.
        Memory.startPhase()
        let drain = try await Self.drain(kafka: kafka, databaseURL: url, batchSize: batchSize, total: events)
        let drainPeakKiB = Memory.phasePeakKiB()
        phases.append(PhaseFigures(
            name: "worker drain (ProjectionRebuild.inPlace)", events: events, seconds: drain.seconds,
            peakKiB: drainPeakKiB,
            note: "first commit after \(format(drain.firstCommitSeconds, 2)) s (start-up: recreate tables, first fetch and batch), batches of \(batchSize)"))
        phases.append(PhaseFigures(
            name: "  of which after the first commit", events: drain.steadyEvents, seconds: drain.steadySeconds,
            peakKiB: drainPeakKiB, note: "steady state: without start-up and the first batch"))

        // 3. COPY limit.
        Memory.startPhase()
        let copy = try await Self.copyLimit(
            events, generator: generator, coordinates: produce.coordinates, databaseURL: url)
        phases.append(PhaseFigures(
            name: "COPY limit (same rows, same tables)", events: events, seconds: copy.seconds,
            peakKiB: Memory.phasePeakKiB(),
            note: "\(copy.eventRows) events + \(copy.worldRows) worlds + \(copy.gapRows) gaps, one transaction"))

        // 4. Row-at-a-time baseline.
        Memory.startPhase()
        let baseline = try await Self.rowAtATime(
            sample: baselineSample, partitions: partitions, kafka: kafka, databaseURL: url)
        let baselineSeconds = baseline.seconds * Double(events) / Double(baseline.events)
        phases.append(PhaseFigures(
            name: "row-at-a-time (1 tx per event)", events: events, seconds: baselineSeconds,
            peakKiB: Memory.phasePeakKiB(),
            note: "extrapolated from \(baseline.events) events in \(format(baseline.seconds, 2)) s"))

        if !keep {
            try await onThread("cleanup") {
                let connection = try PostgresConnection(conninfo: url)
                try connection.execute("DROP SCHEMA IF EXISTS story_copy CASCADE")
                try connection.execute("DROP SCHEMA IF EXISTS story_rowwise CASCADE")
                try connection.execute("DELETE FROM annals.checkpoints WHERE projection = 'bench-rowwise'")
            }
        }

        Self.report(phases: phases, copyRate: Double(events) / copy.seconds, drain: drain, copy: copy,
                    configuration: "events=\(events) worlds=\(worlds) partitions=\(partitions) batch-size=\(batchSize) "
                        + "baseline-sample=\(baselineSample)",
                    totalSeconds: now() - started)
    }

    // MARK: - Phases

    struct Produced: Sendable {
        var seconds: Double
        /// Where event `i` landed.
        var coordinates: [EventCoordinates]
    }

    /// The partitions `count` events need in the mock broker (`MockBroker`), at least `requested`.
    static func partitionsFitting(_ count: Int, generator: StoryEventGenerator, requested: Int, worlds: Int) throws -> Int {
        let sample = min(count, 2_000)
        var bytes = 0
        for i in 0..<sample {
            let event = generator.event(i)
            // Value, key, the annals-type header and record framing.
            let value: [UInt8] = try event.serializedBytes()
            bytes += value.count + event.worldID.utf8.count + 80
        }
        let perRecord = Double(bytes) / Double(sample)
        let needed = MockBroker.partitions(holding: Double(count) * perRecord)
        guard needed > requested else { return requested }
        guard needed <= worlds else {
            throw ValidationError("""
                \(count) events need \(needed) partitions of the mock broker (5 MiB each) but there are only \(worlds) worlds; \
                raise --worlds
                """)
        }
        log("note: \(count) events of ~\(Int(perRecord)) bytes exceed what \(requested) partitions of the in-process mock broker hold "
            + "(it keeps 5 MiB per partition and silently deletes older messages): using \(needed) partitions")
        return needed
    }

    static func produce(_ count: Int, generator: StoryEventGenerator, partitions: Int, kafka: KafkaConfig) async throws -> Produced {
        var config = kafka
        config["linger.ms"] = "5"
        config["batch.num.messages"] = "10000"
        config["queue.buffering.max.messages"] = "500000"
        let producer = try KafkaProducer(config: config, logger: Logger(label: "annals.bench.producer"))
        let header = KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(AnnalsTopic.storyEvent.messageTypeName.utf8))
        let topic = AnnalsTopic.storyEvent.rawValue
        var coordinates: [EventCoordinates] = []
        coordinates.reserveCapacity(count)
        let progress = ProgressLine("produce")
        let started = now()
        var bytes = 0
        var index = 0
        while index < count {
            let end = min(index + 20_000, count)
            let records = try (index..<end).map { i -> KafkaRecord in
                let event = generator.event(i)
                let value: [UInt8] = try event.serializedBytes()
                // World w lives on partition w % partitions: keyed like real producers, spread exactly evenly.
                return KafkaRecord(topic: topic, key: Array(event.worldID.utf8), value: value, headers: [header],
                                   partition: Int32(i % generator.worlds % partitions))
            }
            bytes += records.reduce(0) { $0 + $1.value.count }
            for (offset, result) in await producer.sendAll(records).enumerated() {
                let report = try result.get()
                guard report.topic == topic else { throw ValidationError("event \(index + offset) delivered to \(report.topic)") }
                coordinates.append(EventCoordinates(topic: report.topic, partition: report.partition, offset: report.offset))
            }
            index = end
            progress.update(done: index, total: count, started: started, force: index == count)
        }
        progress.finish()
        let seconds = now() - started

        // Honesty: the whole backlog must still be in the broker (nothing deleted by the mock's size limit).
        try MockBroker.requireWholeBacklog(topic: topic, partitions: partitions, expected: count, kafka: kafka)
        log("produced \(count) events (\(format(Double(bytes) / Double(count), 0)) bytes each on average) in \(format(seconds, 2)) s")
        return Produced(seconds: seconds, coordinates: coordinates)
    }

    struct Drained: Sendable {
        var seconds: Double
        var firstCommitSeconds: Double
        var rows: Int
        var batches: Int
        /// After the first commit: without start-up and the first batch.
        var steadyEvents: Int
        var steadySeconds: Double
    }

    static func drain(kafka: KafkaConfig, databaseURL: String, batchSize: Int, total: Int) async throws -> Drained {
        let progress = ProgressLine("worker drain")
        let firstCommit = Locked<(time: Double, done: Int)?>(nil)
        let batches = Locked(0)
        let started = now()
        let outcome = try await onThread("drain") {
            try ProjectionRebuild.inPlace(
                StoryProjection(), kafka: kafka, databaseURL: databaseURL,
                settings: RunnerStateMachine.Settings(maxBatch: batchSize),
                logger: Logger(label: "annals.bench.drain")
            ) { snapshot in
                let t = now()
                firstCommit.update { $0 = $0 ?? (t, Int(snapshot.done)) }
                batches.update { $0 += 1 }
                progress.update(done: Int(snapshot.done), total: Int(snapshot.total), started: started,
                                force: snapshot.done == snapshot.total)
            }
        }
        let seconds = now() - started
        progress.finish()

        // Honesty: the drain must have written exactly one row per event, and dead-lettered nothing.
        let (rows, deadLetters, checkpointed) = try await onThread("verify") { () -> (Int, Int, Int) in
            let connection = try PostgresConnection(conninfo: databaseURL)
            let rows = try connection.execute("SELECT count(*) AS n FROM story.events").rows[0].int("n")
            let dead = try connection.execute(
                "SELECT count(*) AS n FROM annals.dead_letters WHERE projection = 'story'").rows[0].int("n")
            let next = try connection.execute(
                "SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM annals.checkpoints WHERE projection = 'story'"
            ).rows[0].int("n")
            return (rows, dead, next)
        }
        guard outcome.done == Int64(total), rows == total, deadLetters == 0, checkpointed == total else {
            throw ValidationError(
                "drain is not honest: \(outcome.done) applied, \(rows) rows in story.events, \(deadLetters) dead letters, "
                    + "checkpoints at \(checkpointed); expected \(total)")
        }
        log("drain verified: story.events holds exactly \(rows) rows, 0 dead letters, checkpoints sum to \(checkpointed)")
        let first = firstCommit.value ?? (started, 0)
        return Drained(seconds: seconds, firstCommitSeconds: first.time - started, rows: rows, batches: batches.value,
                       steadyEvents: total - first.done, steadySeconds: started + seconds - first.time)
    }

    struct Copied: Sendable {
        var seconds: Double
        var eventRows: Int
        var worldRows: Int
        var gapRows: Int
        var identical: Bool
    }

    /// The rows the projection wrote (rebuilt here with the same fold and the same text forms), COPYed into
    /// empty copies of the same tables. Only the COPY transaction is timed; the copy is then checked equal.
    static func copyLimit(_ count: Int, generator: StoryEventGenerator, coordinates: [EventCoordinates],
                          databaseURL: String) async throws -> Copied {
        let prepared = now()
        var eventRows: [[PostgresValue?]] = []
        eventRows.reserveCapacity(count)
        var gapRows: [[PostgresValue?]] = []
        var worlds: [String: WorldSummary] = [:]
        var order: [String] = []
        var index = 0
        while index < count {
            let end = min(index + 10_000, count)
            let chunk = (index..<end).map { (event: generator.event($0), coordinates: coordinates[$0]) }
            let changes = StoryFold.fold(chunk, worlds: worlds, applied: [])
            for (event, at) in changes.newEvents { eventRows.append(try StoryRows.event(event, at)) }
            gapRows += changes.breaks.map(StoryRows.gap)
            for world in changes.worlds {
                if worlds.updateValue(world, forKey: world.worldID) == nil { order.append(world.worldID) }
            }
            index = end
        }
        let worldRows = order.compactMap { worlds[$0] }.map(StoryRows.world)
        log("COPY rows prepared in memory in \(format(now() - prepared, 2)) s")

        let (rows, gaps, worldCount) = (eventRows, gapRows, worldRows)
        return try await onThread("copy") {
            let connection = try PostgresConnection(conninfo: databaseURL)
            try StoryRows.recreate("story_copy", connection: connection)
            let started = now()
            let copied = try connection.transaction { tx -> (Int, Int, Int) in
                let events = try tx.copy(into: StoryRows.copyEvents("story_copy"), rows: rows)
                let gaps = try tx.copy(into: StoryRows.copyGaps("story_copy"), rows: gaps)
                let worlds = try tx.copy(into: StoryRows.copyWorlds("story_copy"), rows: worldCount)
                return (events, gaps, worlds)
            }
            let seconds = now() - started
            log("COPY of \(copied.0) + \(copied.1) + \(copied.2) rows in \(format(seconds, 2)) s; comparing with story.*")

            let projection = StoryProjection()
            let drained = try TableChecksum.checksums(of: projection, schema: "story", connection: connection)
            let limit = try TableChecksum.checksums(of: projection, schema: "story_copy", connection: connection)
            let identical = zip(drained, limit).allSatisfy { $0.rows == $1.rows && $0.checksum == $1.checksum }
            for (d, l) in zip(drained, limit) {
                log("  \(pad(d.table, 14)) story: \(d.rows) rows \(d.checksum)  story_copy: \(l.rows) rows \(l.checksum)")
            }
            guard identical else {
                throw ValidationError("the COPY rows differ from what the worker wrote: the comparison is not like for like")
            }
            return Copied(seconds: seconds, eventRows: copied.0, worldRows: copied.2, gapRows: copied.1, identical: identical)
        }
    }

    struct RowAtATime: Sendable {
        var events: Int
        var seconds: Double
    }

    /// What a simple consumer does: for every message, decode it and run one transaction with an INSERT of the
    /// event, an upsert of its world and the checkpoint UPDATE. Timed from the first message in hand.
    static func rowAtATime(sample: Int, partitions: Int, kafka: KafkaConfig, databaseURL: String) async throws -> RowAtATime {
        try await onThread("row-at-a-time") {
            let connection = try PostgresConnection(conninfo: databaseURL)
            try StoryRows.recreate("story_rowwise", connection: connection)
            let topic = AnnalsTopic.storyEvent.rawValue
            try connection.transaction { tx in
                try tx.execute("DELETE FROM annals.checkpoints WHERE projection = 'bench-rowwise'")
                for partition in 0..<partitions {
                    try tx.execute(
                        "INSERT INTO annals.checkpoints (projection, topic, partition, next_offset) VALUES ('bench-rowwise', $1, $2, 0)",
                        [PostgresValue(topic), .int(partition)])
                }
            }
            let consumer = try KafkaConsumer(
                config: kafka, groupID: "annals-bench-rowwise-\(getpid())", topics: [topic],
                onAssign: { assigned in Dictionary(uniqueKeysWithValues: assigned.map { ($0, KafkaOffset.beginning) }) },
                onRevoke: { _ in }, logger: Logger(label: "annals.bench.row-at-a-time"))
            defer { consumer.close() }

            let insertEvent = """
                INSERT INTO story_rowwise.events (event_id, world_id, sequence, kind, actors, summary, payload, occurred_at,
                                                  producer, trace_id, topic, partition, "offset")
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (event_id) DO NOTHING
                """
            let upsertWorld = """
                INSERT INTO story_rowwise.worlds AS w (world_id, event_count, first_event_at, last_event_at, last_sequence, gap_count)
                VALUES ($1, 1, $2, $2, $3, CASE WHEN $3::bigint = 1 THEN 0 ELSE 1 END)
                ON CONFLICT (world_id) DO UPDATE SET
                    event_count = w.event_count + 1,
                    first_event_at = least(w.first_event_at, EXCLUDED.first_event_at),
                    last_event_at = greatest(w.last_event_at, EXCLUDED.last_event_at),
                    gap_count = w.gap_count + CASE WHEN EXCLUDED.last_sequence = w.last_sequence + 1 THEN 0 ELSE 1 END,
                    last_sequence = greatest(w.last_sequence, EXCLUDED.last_sequence)
                """
            let checkpoint = """
                UPDATE annals.checkpoints SET next_offset = $4, updated_at = now()
                WHERE projection = $1 AND topic = $2 AND partition = $3
                """
            let progress = ProgressLine("row-at-a-time")
            var done = 0
            var started: Double?
            let deadline = now() + 600
            while done < sample {
                guard now() < deadline else { throw ValidationError("row-at-a-time baseline stalled after \(done) events") }
                for message in try consumer.poll(maxMessages: min(500, sample - done), timeoutMilliseconds: 200) {
                    if started == nil { started = now() }
                    guard let value = message.value, case .storyEvent(let event) = try AnnalsTopic.storyEvent.decode(binary: value)
                    else { throw ValidationError("undecodable message at \(message.partition)@\(message.offset)") }
                    let at = EventCoordinates(message)
                    try connection.transaction { tx in
                        let inserted = try tx.execute(insertEvent, try StoryRows.event(event, at))
                        if inserted.affectedRows == 1 {
                            try tx.execute(upsertWorld, [
                                PostgresValue(event.worldID),
                                .timestamp(microsecondsSinceEpoch: event.meta.occurredAt.microsecondsSinceEpoch),
                                .int(event.sequence),
                            ])
                        }
                        try tx.execute(checkpoint, [
                            PostgresValue("bench-rowwise"), PostgresValue(message.topic), .int(message.partition),
                            .int(message.offset + 1),
                        ])
                    }
                    done += 1
                    progress.update(done: done, total: sample, started: started ?? now(), force: done == sample)
                    if done == sample { break }
                }
            }
            let seconds = now() - (started ?? now())
            progress.finish()
            let rows = try connection.execute("SELECT count(*) AS n FROM story_rowwise.events").rows[0].int("n")
            guard rows == sample else { throw ValidationError("row-at-a-time wrote \(rows) rows for \(sample) events") }
            return RowAtATime(events: done, seconds: seconds)
        }
    }

    // MARK: - Report

    struct PhaseFigures {
        var name: String
        var events: Int
        var seconds: Double
        var peakKiB: Int
        var note: String
        var rate: Double { Double(events) / seconds }
    }

    static func report(phases: [PhaseFigures], copyRate: Double, drain: Drained, copy: Copied,
                       configuration: String, totalSeconds: Double) {
        var lines: [String] = []
        lines.append("")
        lines.append("annals-bench: \(configuration)")
        let header = pad("phase", 42) + pad("events", 9, right: true) + pad("seconds", 10, right: true)
            + pad("events/s", 11, right: true) + pad("vs COPY", 9, right: true) + pad("peak RSS", 11, right: true) + "  notes"
        lines.append(header)
        lines.append(String(repeating: "-", count: header.count + 20))
        for phase in phases {
            let ratio = phase.name.hasPrefix("produce") ? "" : format(phase.rate / copyRate * 100, 1) + "%"
            lines.append(
                pad(phase.name, 42) + pad(String(phase.events), 9, right: true) + pad(format(phase.seconds, 2), 10, right: true)
                    + pad(format(phase.rate, 0), 11, right: true) + pad(ratio, 9, right: true)
                    + pad(mebibytes(phase.peakKiB), 11, right: true) + "  " + phase.note)
        }
        let drainRate = Double(drain.rows) / drain.seconds
        let ratio = drainRate / copyRate
        let baseline = phases.last.map { drainRate / $0.rate } ?? 0
        let steady = Double(drain.steadyEvents) / drain.steadySeconds / copyRate
        lines.append("")
        lines.append("worker drain: \(drain.rows) rows verified in story.events, \(drain.batches) batches; "
            + "COPY copy identical to the drained tables (row counts and checksums): \(copy.identical ? "yes" : "NO")")
        lines.append("worker vs row-at-a-time: \(format(baseline, 1))x faster")
        lines.append("peak memory (max RSS of the process, includes the in-process Kafka broker's log): "
            + mebibytes(Memory.processPeak()))
        lines.append("target: worker drain ≥ 50% of the COPY rate → \(format(ratio * 100, 1))% "
            + (ratio >= 0.5 ? "MET" : "NOT MET")
            + " (steady state after the first commit: \(format(steady * 100, 1))%)")
        lines.append("benchmark wall time: \(format(totalSeconds, 1)) s")
        print(lines.joined(separator: "\n"))
    }
}

/// A value shared with callbacks on other threads.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    func update(_ body: (inout Value) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body(&stored)
    }
}
