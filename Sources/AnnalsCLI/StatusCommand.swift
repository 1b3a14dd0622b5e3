import ArgumentParser
import Foundation
import Kafka
import Logging
import Postgres
import Projection

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per projection and partition: checkpoint, high watermark, lag and dead letters.")

    @Flag(help: "Print JSON instead of a table.") var json = false
    @OptionGroup var connection: ConnectionOptions

    /// One partition's state, as printed.
    struct PartitionStatus: Codable {
        var projection: String
        var topic: String
        var partition: Int32
        var checkpoint: Int64?
        var highWatermark: Int64
        var lag: Int64
        var deadLetters: Int
    }

    func run() throws {
        let admin = try KafkaAdmin(config: try connection.kafkaConfig(), logger: Logger(label: "annals.status"))
        let db = try PostgresConnection(conninfo: connection.databaseConninfo)
        let projections = try ProjectionCatalog.all()
        var rows: [PartitionStatus] = []
        var versions: [String: Int] = [:]
        var notes: [String: String] = [:]
        for projection in projections {
            let version = try ProjectionMigrator.storedVersion(of: projection, db)
            versions[projection.name] = version
            let targets: [TopicPartition: Int64]
            do {
                targets = try ProjectionRebuild.watermarks(for: projection, admin: admin).mapValues(\.high)
            } catch {
                // Other projections' status is still worth showing.
                notes[projection.name] = "\(error)"
                continue
            }
            let stored = version == nil ? [:] : try CheckpointStore(projection: projection.name).loadAll(connection: db)
            let dead = version == nil ? [:] : try DeadLetterStore(projection: projection.name).counts(connection: db)
            for (partition, high) in targets.sorted(by: { $0.key < $1.key }) {
                let checkpoint = stored[partition]
                rows.append(PartitionStatus(
                    projection: projection.name, topic: partition.topic, partition: partition.partition,
                    checkpoint: checkpoint, highWatermark: high, lag: max(high - (checkpoint ?? 0), 0),
                    deadLetters: dead[partition] ?? 0))
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        for projection in projections {
            let version = versions[projection.name].map { "tables version \($0)" } ?? "not migrated"
            print("\(projection.name) (code version \(projection.version), \(version))")
            if let note = notes[projection.name] {
                print("  \(note)")
                continue
            }
            print("  topic/partition        checkpoint   high-watermark   lag        dead-letters")
            for row in rows where row.projection == projection.name {
                let name = "\(row.topic)/\(row.partition)".padding(toLength: 22, withPad: " ", startingAt: 0)
                print("  \(name) \(pad(row.checkpoint.map(String.init) ?? "-", 12)) \(pad(String(row.highWatermark), 16)) \(pad(String(row.lag), 10)) \(row.deadLetters)")
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
