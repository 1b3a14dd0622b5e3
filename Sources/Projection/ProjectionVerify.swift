import Kafka
import Logging
import Postgres

/// `annals verify`: rebuilds a projection into a shadow up to the live checkpoints and compares it with the live
/// tables, table by table. The live side is a copy taken in one snapshot together with its checkpoints, so live
/// workers may keep applying events while it runs.
public enum ProjectionVerify {
    /// How one table (or the dead letters) of the live projection compares with its rebuild.
    public struct TableComparison: Sendable, Equatable {
        public var table: String
        public var liveRows: Int
        public var rebuiltRows: Int
        /// Rows (counting duplicates) in the live table and not in the rebuild, and the other way round.
        public var onlyLive: Int
        public var onlyRebuilt: Int
        /// A few of those rows, in their text form.
        public var onlyLiveSamples: [String]
        public var onlyRebuiltSamples: [String]

        public var isIdentical: Bool { onlyLive == 0 && onlyRebuilt == 0 }
    }

    /// What verify compared, and at which offsets.
    public struct Report: Sendable {
        public var checkpoints: [TopicPartition: Int64]
        public var tables: [TableComparison]
        public var rebuild: RebuildProgress

        public var isIdentical: Bool { tables.allSatisfy(\.isIdentical) }
    }

    /// Rebuilds `projection` up to the live checkpoints and compares; the shadows are dropped afterwards unless `keep`.
    public static func run(_ projection: any Projection, kafka: KafkaConfig, databaseURL: String,
                           settings: RunnerStateMachine.Settings = .init(), samples: Int = 5, keep: Bool = false,
                           logger: Logger, progress: @escaping @Sendable (RebuildProgress) -> Void) throws -> Report {
        let rebuilt = ProjectionTarget.shadow(projection, purpose: "verify")
        let liveCopy = "\(projection.schema)_verify_live"
        let connection = try PostgresConnection(conninfo: databaseURL)
        guard let stored = try ProjectionMigrator.storedVersion(of: projection, connection) else {
            throw VerifyError.neverMigrated(projection: projection.name)
        }
        guard stored == projection.version else {
            throw ProjectionError.versionMismatch(projection: projection.name, tables: stored, code: projection.version)
        }
        let admin = try KafkaAdmin(config: kafka, logger: logger)
        let partitions = try ProjectionRebuild.targets(for: projection, admin: admin)

        let checkpoints = try connection.transaction { tx in
            try tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            try ProjectionMigrator.createShadow(projection, target: rebuilt, in: tx)
            try tx.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(liveCopy)) CASCADE")
            return try VerifySQL.copyLive(projection, into: liveCopy, connection: tx)
        }
        defer {
            if !keep {
                try? connection.transaction { tx in
                    try ProjectionMigrator.dropShadow(rebuilt, in: tx)
                    try tx.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(liveCopy)) CASCADE")
                }
            }
        }
        var stops: [TopicPartition: Int64] = [:]
        for partition in partitions.keys { stops[partition] = checkpoints[partition] ?? 0 }
        let rebuild = try ProjectionRebuild.run(projection, into: rebuilt, until: stops, kafka: kafka, databaseURL: databaseURL,
                                                settings: settings, logger: logger, progress: progress)
        var tables = try projection.tables.map { table in
            try VerifySQL.compare(table: table, of: projection, live: liveCopy, rebuilt: rebuilt.schema, samples: samples,
                                  connection: connection)
        }
        tables.append(try VerifySQL.compareDeadLetters(projection: projection.name, liveCopy: liveCopy, rebuilt: rebuilt.ledger,
                                                       samples: samples, connection: connection))
        return Report(checkpoints: stops, tables: tables, rebuild: rebuild)
    }
}

/// Why verify cannot run.
public enum VerifyError: RemediableError, Equatable, Sendable {
    case neverMigrated(projection: String)

    public var description: String {
        switch self {
        case .neverMigrated(let projection):
            "the \(projection) tables do not exist yet"
        }
    }

    public var remedy: Remedy? { .migrate }
}

/// The SQL of verify: a snapshot copy of the live tables and checkpoints, and row-set differences.
enum VerifySQL {
    /// Copies the live tables and pending dead letters into `schema` and reads the live checkpoints; inside the
    /// caller's repeatable-read transaction, so all of them come from one snapshot.
    static func copyLive(_ projection: any Projection, into schema: String, connection tx: PostgresConnection) throws
        -> [TopicPartition: Int64] {
        let copy = quoteIdentifier(schema)
        try tx.execute("CREATE SCHEMA \(copy)")
        for table in projection.tables {
            try tx.execute(
                "CREATE TABLE \(copy).\(quoteIdentifier(table)) AS TABLE \(quoteIdentifier(projection.schema)).\(quoteIdentifier(table))")
        }
        try tx.execute(
            """
            CREATE TABLE \(copy).annals_dead_letters AS
            SELECT topic, partition, "offset", key, value, error FROM annals.dead_letters
            WHERE projection = $1 AND redriven_at IS NULL
            """, [PostgresValue(projection.name)])
        return try CheckpointStore(projection: projection.name).loadAll(connection: tx)
    }

    static func compare(table: String, of projection: any Projection, live liveSchema: String, rebuilt rebuiltSchema: String,
                        samples: Int, connection: PostgresConnection) throws -> ProjectionVerify.TableComparison {
        let live = "\(quoteIdentifier(liveSchema)).\(quoteIdentifier(table))"
        let rebuilt = "\(quoteIdentifier(rebuiltSchema)).\(quoteIdentifier(table))"
        return try difference("\(projection.schema).\(table)", live: "SELECT * FROM \(live)",
                              rebuilt: "SELECT * FROM \(rebuilt)", samples: samples, connection: connection)
    }

    /// Dead letters below the copied checkpoints, by coordinates, raw event and error.
    static func compareDeadLetters(projection: String, liveCopy: String, rebuilt ledger: String, samples: Int,
                                   connection: PostgresConnection) throws -> ProjectionVerify.TableComparison {
        let columns = "topic, partition, \"offset\", key, value, error"
        let live = "SELECT \(columns) FROM \(quoteIdentifier(liveCopy)).annals_dead_letters"
        let rebuilt = "SELECT \(columns) FROM annals.dead_letters WHERE projection = \(quoteLiteral(ledger))"
        return try difference("annals.dead_letters", live: live, rebuilt: rebuilt, samples: samples, connection: connection)
    }

    private static func difference(_ table: String, live: String, rebuilt: String, samples: Int,
                                   connection: PostgresConnection) throws -> ProjectionVerify.TableComparison {
        let counts = try connection.execute(
            """
            SELECT (SELECT count(*) FROM (\(live)) l)::bigint AS live_rows,
                   (SELECT count(*) FROM (\(rebuilt)) r)::bigint AS rebuilt_rows,
                   (SELECT count(*) FROM ((\(live)) EXCEPT ALL (\(rebuilt))) d)::bigint AS only_live,
                   (SELECT count(*) FROM ((\(rebuilt)) EXCEPT ALL (\(live))) d)::bigint AS only_rebuilt
            """).rows[0]
        let onlyLive = try connection.execute(
            "SELECT d::text AS row FROM ((\(live)) EXCEPT ALL (\(rebuilt))) d ORDER BY 1 LIMIT \(samples)").rows
        let onlyRebuilt = try connection.execute(
            "SELECT d::text AS row FROM ((\(rebuilt)) EXCEPT ALL (\(live))) d ORDER BY 1 LIMIT \(samples)").rows
        return ProjectionVerify.TableComparison(
            table: table, liveRows: try counts.int("live_rows"), rebuiltRows: try counts.int("rebuilt_rows"),
            onlyLive: try counts.int("only_live"), onlyRebuilt: try counts.int("only_rebuilt"),
            onlyLiveSamples: try onlyLive.map { try $0.string("row") },
            onlyRebuiltSamples: try onlyRebuilt.map { try $0.string("row") })
    }
}
