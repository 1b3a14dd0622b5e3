import Foundation
import Kafka
import Logging
import Postgres
import Projection

/// Reads what `annals status` shows from Postgres (versions, checkpoints, dead letters, worker heartbeats) and Kafka
/// (watermarks, the timestamp of each lagging partition's oldest unapplied event). Keeps its connections between
/// reports, reconnecting after a failure. Blocking: use it from one thread outside the cooperative pool.
final class StatusReader {
    private let kafka: KafkaConfig
    private let databaseConninfo: String
    private let projections: [any Projection]
    private let logger: Logger
    /// Longest wait for the oldest unapplied events of one projection.
    private let peekTimeoutMilliseconds: Int
    private var admin: KafkaAdmin?
    private var database: PostgresConnection?

    init(kafka: KafkaConfig, databaseConninfo: String, projections: [any Projection], peekTimeoutMilliseconds: Int = 5_000,
         logger: Logger) {
        self.kafka = kafka
        self.databaseConninfo = databaseConninfo
        self.projections = projections
        self.peekTimeoutMilliseconds = peekTimeoutMilliseconds
        self.logger = logger
    }

    func report() throws -> StatusReport {
        let db = try connection()
        do {
            let workers = try WorkerStore().all(connection: db)
            let projections = try projections.map { try status(of: $0, workers: workers, db: db) }
            return StatusReport(generatedAt: Date(), projections: projections)
        } catch {
            if !db.isHealthy { database = nil }
            throw error
        }
    }

    private func status(of projection: any Projection, workers: [WorkerRecord], db: PostgresConnection) throws -> ProjectionStatus {
        let version = try ProjectionMigrator.storedVersion(of: projection, db)
        let watermarks: [TopicPartition: (low: Int64, high: Int64)]
        do {
            watermarks = try ProjectionRebuild.watermarks(for: projection, admin: try kafkaAdmin())
        } catch {
            // The other projections' status is still worth showing.
            var status = ProjectionStatus.assemble(
                name: projection.name, codeVersion: projection.version, tablesVersion: version, watermarks: [:],
                checkpoints: [:], deadLetters: [:], workers: workers, oldestUnapplied: [:], nowMilliseconds: 0)
            status.problem = "\(RenderedError.rendering(error))"
            return status
        }
        let checkpoints = version == nil ? [:] : try CheckpointStore(projection: projection.name).loadAll(connection: db)
        let deadLetters = version == nil ? [:] : try DeadLetterStore(projection: projection.name).counts(connection: db)
        var starts: [TopicPartition: Int64] = [:]
        for (partition, marks) in watermarks {
            let next = ProjectionStatus.nextUnapplied(checkpoint: checkpoints[partition], lowWatermark: marks.low)
            if marks.high > next { starts[partition] = next }
        }
        let oldest = oldestUnapplied(starts)
        var status = ProjectionStatus.assemble(
            name: projection.name, codeVersion: projection.version, tablesVersion: version, watermarks: watermarks,
            checkpoints: checkpoints, deadLetters: deadLetters, workers: workers, oldestUnapplied: oldest,
            nowMilliseconds: Int64((Date().timeIntervalSince1970 * 1_000).rounded()))
        status.replay = try replay(of: projection, db: db)
        return status
    }

    private func replay(of projection: any Projection, db: PostgresConnection) throws -> ReplayStatus? {
        guard let record = try ShadowReplay.unfinished(projection, connection: db) else { return nil }
        let reached = try CheckpointStore(projection: record.shadow.ledger).loadAll(connection: db)
        let applied = record.targets.reduce(Int64(0)) { sum, target in sum + min(reached[target.key] ?? 0, target.value) }
        return ReplayStatus(shadowSchema: record.shadow.schema, applied: applied, total: record.total, swaps: record.swaps,
                            until: record.until)
    }

    /// The Kafka timestamp of the message at each offset, or why it is unknown; never throws, so a partition that
    /// cannot be read costs one cell, not the command.
    private func oldestUnapplied(_ starts: [TopicPartition: Int64]) -> [TopicPartition: OldestUnapplied] {
        guard !starts.isEmpty else { return [:] }
        let messages: [TopicPartition: KafkaMessage]
        do {
            messages = try KafkaConsumer.peek(starts, config: kafka, timeoutMilliseconds: peekTimeoutMilliseconds, logger: logger)
        } catch {
            return starts.mapValues { _ in .unknown("cannot read it: \(error)") }
        }
        var oldest: [TopicPartition: OldestUnapplied] = [:]
        for (partition, offset) in starts {
            guard let message = messages[partition] else {
                oldest[partition] = .unknown("offset \(offset) not read within \(peekTimeoutMilliseconds / 1_000) s")
                continue
            }
            guard let timestamp = message.timestampMilliseconds else {
                oldest[partition] = .unknown("offset \(message.offset) has no timestamp")
                continue
            }
            oldest[partition] = .timestamp(timestamp)
        }
        return oldest
    }

    private func connection() throws -> PostgresConnection {
        if let database, database.isHealthy { return database }
        let fresh = try PostgresConnection(conninfo: databaseConninfo)
        database = fresh
        return fresh
    }

    private func kafkaAdmin() throws -> KafkaAdmin {
        if let admin { return admin }
        let fresh = try KafkaAdmin(config: kafka, logger: logger)
        admin = fresh
        return fresh
    }
}
