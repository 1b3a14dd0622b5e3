@testable import AnnalsCLI
import AnnalsEvents
import Foundation
import Kafka
import Postgres
import Projection
import Scaling
import Story
import TestSupport
import Testing

/// Issue 5, least privilege: `annals migrate --roles` makes one writer role per projection, which may write only its
/// own schemas and its own rows of the shared annals tables, and a reader that may only read projection schemas.
@Suite(.timeLimit(.minutes(3))) struct AccessRolesTests {
    @Test(arguments: ["annals", "t1", "_x", "staging_annals"])
    func aPlainLowerCaseIdentifierIsAPrefix(_ prefix: String) throws {
        let roles = try AccessRoles(prefix: prefix)
        #expect(roles.writer(of: "story") == "\(prefix)_story_writer")
        #expect(roles.reader == "\(prefix)_reader")
    }

    @Test(arguments: ["", "Annals", "1annals", "annals-prod", "annals prod", "a\"b", String(repeating: "a", count: 32)])
    func anythingElseIsRefusedSayingWhatAPrefixMayBe(_ prefix: String) {
        #expect(throws: AccessRolesError.self) { try AccessRoles(prefix: prefix) }
    }

    @Test func eachWriterMayWriteOnlyItsOwnSchemasAndItsRowsAndTheReaderMayOnlyRead() async throws {
        let problems = try await onOwnThread { () -> [String] in
            var findings = Findings()
            let fixture = try RolesFixture(name: "roles_matrix")
            defer { fixture.tearDown() }
            // A second run changes nothing and fails on nothing.
            try fixture.migrate()
            let admin = try fixture.database.connect()
            let projections = try ProjectionCatalog.all()
            let everySchema = projections.flatMap { [$0.schema] + $0.auxiliarySchemas }
            findings.check(Set(everySchema) == ["story", "kb", "kb_cache", "metrics", "metrics_outbox", "scaling", "scaling_actuation"],
                           "the projections' schemas are \(everySchema)")

            for projection in projections {
                let writer = fixture.access.writer(of: projection.name)
                let own = [projection.schema] + projection.auxiliarySchemas
                let mine = try Privileges.of(writer, in: own, admin)
                findings.check(Set(mine.map(\.schema)) == Set(own), "every schema of \(projection.name) has tables")
                for table in mine {
                    findings.check(table.usage && table.select && table.insert && table.update && table.delete, "\(writer) on \(table.name)")
                    findings.check(!table.truncate && !table.create, "\(writer) may not truncate or create in \(table.schema)")
                }
                for table in try Privileges.of(writer, in: everySchema.filter { !own.contains($0) }, admin) {
                    findings.check(!table.usage && !table.insert && !table.select, "\(writer) must not reach \(table.name)")
                }
                let runtime = Dictionary(uniqueKeysWithValues: try Privileges.of(writer, in: ["annals"], admin).map { ($0.name, $0) })
                findings.check(runtime["annals.projections"].map { $0.select && !$0.insert && !$0.update && !$0.delete } == true, "\(writer) may read, not write, annals.projections")
                findings.check(runtime["annals.checkpoints"].map { $0.select && $0.insert && $0.update && !$0.delete } == true, "\(writer) may read, insert and update, not delete, annals.checkpoints")
                findings.check(runtime["annals.dead_letters"].map { $0.select && $0.insert && $0.update && !$0.delete } == true, "\(writer) may read, insert and update (a re-driven letter waits again), not delete, annals.dead_letters")
                findings.check(runtime["annals.workers"].map { $0.select && $0.insert && $0.update && $0.delete } == true, "\(writer) may keep its heartbeat rows in annals.workers")
                for table in ["annals.access_roles", "annals.replays", "annals.replay_targets", "annals.rebuilds", "annals.rebuild_replaced"] {
                    findings.check(runtime[table].map { !$0.select && !$0.insert && !$0.update && !$0.delete } == true, "\(writer) may not touch \(table)")
                }
            }

            let reader = fixture.access.reader
            for table in try Privileges.of(reader, in: projections.map(\.schema), admin) {
                findings.check(table.usage && table.select, "\(reader) reads \(table.name)")
                findings.check(!table.insert && !table.update && !table.delete && !table.truncate && !table.create, "\(reader) on \(table.name)")
            }
            for table in try Privileges.of(reader, in: projections.flatMap(\.auxiliarySchemas), admin) {
                findings.check(!table.usage && !table.select, "\(reader) must not reach \(table.name)")
            }
            // In annals it may only ask what a projection's tables were built from (annals-api caches under it).
            for table in try Privileges.of(reader, in: ["annals"], admin) {
                findings.check(!table.select && !table.insert && !table.update && !table.delete, "\(reader) must not read or change \(table.name)")
            }
            let dataVersion = try admin.execute(
                "SELECT has_function_privilege($1, 'annals.data_version(text)', 'EXECUTE') AS reader, "
                    + "has_function_privilege($2, 'annals.data_version(text)', 'EXECUTE') AS writer",
                [PostgresValue(reader), PostgresValue(fixture.access.writer(of: projections[0].name))])
            findings.check(try dataVersion.rows.first?.bool("reader") == true, "\(reader) may call annals.data_version")
            findings.check(try dataVersion.rows.first?.bool("writer") == false, "writers may not call annals.data_version")

            let logins = try admin.execute(
                "SELECT count(*)::bigint AS n FROM pg_roles WHERE starts_with(rolname, $1) AND rolcanlogin",
                [PostgresValue(fixture.roles.prefix + "_")])
            findings.check(try logins.rows.first?.int("n") == 0, "the roles are NOLOGIN groups")
            return findings.problems
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func aLoginGrantedTheStoryWriterWritesStoryAndItsOwnRowsAndIsRefusedTheRest() async throws {
        let problems = try await onOwnThread { () -> [String] in
            var findings = Findings()
            let fixture = try RolesFixture(name: "roles_story_writer")
            defer { fixture.tearDown() }
            let admin = try fixture.database.connect()
            try admin.execute("INSERT INTO annals.checkpoints (projection, topic, partition, next_offset) VALUES ('kb', 'document-ingested', 0, 7)")
            let login = try fixture.roles.createLogin("story_worker", memberOf: [fixture.access.writer(of: "story")])
            let worker = try PostgresConnection(conninfo: fixture.database.url(as: login))

            // What a worker does at start and for each batch: no DDL, rows, checkpoints, dead letters.
            findings.check(try ProjectionMigrator.migrate(StoryProjection(), connection: worker) == .upToDate, "the story writer attaches to the migrated tables")
            let events = (1...3).map { index in
                ProjectedEvent(event: .storyEvent(Self.storyEvent(index)),
                               coordinates: EventCoordinates(topic: "story-event", partition: 0, offset: Int64(index - 1)))
            }
            try worker.transaction { tx in
                try StoryProjection().apply(events, schema: "story", connection: tx)
                let letter = DeadLetter(coordinates: EventCoordinates(topic: "story-event", partition: 0, offset: 3),
                                        key: nil, value: [1, 2], headers: [], error: "undecodable")
                try DeadLetterStore(projection: "story").record([letter], in: tx)
                let fenced = try CheckpointStore(projection: "story").advance(
                    [CheckpointMove(partition: TopicPartition(topic: "story-event", partition: 0), expected: nil, next: 4)], in: tx)
                findings.check(fenced.isEmpty, "the story writer's checkpoint insert went through")
            }
            findings.check(try admin.execute("SELECT count(*)::bigint AS n FROM story.events").rows.first?.int("n") == 3, "the story writer's 3 events are stored")
            findings.check(try CheckpointStore(projection: "story").loadAll(connection: worker).values.sorted() == [4], "the story writer reads back its checkpoint")

            // Its heartbeat, beside a kb worker's the owner wrote.
            func identity(_ projection: String) -> WorkerIdentity {
                WorkerIdentity(id: "\(projection)-worker", projection: projection, group: "annals-\(projection)", host: "test",
                               pid: 1, httpEndpoint: nil, startedAt: Date(timeIntervalSince1970: 1_767_225_600))
            }
            try WorkerStore().beat(identity("kb"), intervalMilliseconds: 5_000, partitions: [], connection: admin)
            try WorkerStore().beat(identity("story"), intervalMilliseconds: 5_000, partitions: [], connection: worker)
            try WorkerStore().beat(identity("story"), intervalMilliseconds: 5_000, partitions: [], connection: worker)
            findings.check(try WorkerStore().all(connection: worker).map(\.identity.projection) == ["story"],
                           "the story writer sees only its own heartbeat rows")

            // Another projection's rows of the shared tables: invisible, unchangeable, not insertable.
            findings.check(try CheckpointStore(projection: "kb").loadAll(connection: worker).isEmpty, "kb checkpoints are invisible to the story writer")
            findings.check(try worker.execute("UPDATE annals.checkpoints SET next_offset = 0 WHERE projection = 'kb'").affectedRows == 0, "the story writer's update of kb checkpoints changes nothing")
            findings.check(try admin.execute("SELECT next_offset FROM annals.checkpoints WHERE projection = 'kb'").rows.first?.int("next_offset") == 7, "the kb checkpoint is still 7")
            findings.check(try worker.execute("SELECT name FROM annals.projections").rows.map { try $0.string("name") } == ["story"], "the story writer sees only its own row of annals.projections")
            for sql in [
                "INSERT INTO annals.checkpoints (projection, topic, partition, next_offset) VALUES ('kb', 'document-ingested', 1, 0)",
                "INSERT INTO annals.dead_letters (projection, topic, partition, \"offset\", error) VALUES ('kb', 'document-ingested', 0, 0, 'x')",
                "DELETE FROM annals.checkpoints WHERE projection = 'story'",
                "UPDATE annals.projections SET version = 9 WHERE name = 'story'",
                "INSERT INTO annals.workers (worker_id, projection, consumer_group, host, pid, started_at, heartbeat_interval_ms) "
                    + "VALUES ('w', 'kb', 'g', 'h', 1, now(), 1000)",
                "SELECT count(*) FROM annals.replays",
                "SELECT count(*) FROM annals.access_roles",
                // Other projections' schemas.
                "SELECT count(*) FROM kb.documents",
                "INSERT INTO kb_cache.embeddings DEFAULT VALUES",
                "SELECT count(*) FROM metrics.samples",
                "SELECT count(*) FROM scaling_actuation.attempts",
                // DDL, even on its own tables.
                "CREATE TABLE story.extra (id int)",
                "ALTER TABLE story.events ADD COLUMN extra int",
                "DROP TABLE story.worlds",
                "TRUNCATE story.events",
                "CREATE SCHEMA extra",
                "ALTER TABLE annals.checkpoints DISABLE ROW LEVEL SECURITY",
                "DROP POLICY \(fixture.access.writer(of: "story")) ON annals.checkpoints",
            ] {
                findings.expectPermissionDenied(sql, on: worker)
            }
            return findings.problems
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func aLoginGrantedTheReaderReadsEveryProjectionAndWritesNothing() async throws {
        let problems = try await onOwnThread { () -> [String] in
            var findings = Findings()
            let fixture = try RolesFixture(name: "roles_reader")
            defer { fixture.tearDown() }
            let login = try fixture.roles.createLogin("api", memberOf: [fixture.access.reader])
            let reader = try PostgresConnection(conninfo: fixture.database.url(as: login))
            for projection in try ProjectionCatalog.all() {
                for table in projection.tables {
                    findings.check(try reader.execute("SELECT count(*)::bigint AS n FROM \(projection.schema).\(table)").rows.first?.int("n") == 0, "the reader reads \(projection.schema).\(table)")
                }
            }
            for sql in [
                "INSERT INTO story.worlds DEFAULT VALUES",
                "UPDATE story.events SET summary = ''",
                "DELETE FROM kb.documents",
                "TRUNCATE metrics.samples",
                "CREATE TABLE story.extra (id int)",
                "SELECT count(*) FROM annals.checkpoints",
                "SELECT count(*) FROM kb_cache.embeddings",
                "SELECT count(*) FROM metrics_outbox.decisions",
                "SELECT count(*) FROM scaling_actuation.applied",
            ] {
                findings.expectPermissionDenied(sql, on: reader)
            }
            return findings.problems
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func tablesAnOwnerRecreatesStayWritableByTheWriter() async throws {
        let problems = try await onOwnThread { () -> [String] in
            var findings = Findings()
            let fixture = try RolesFixture(name: "roles_recreate")
            defer { fixture.tearDown() }
            // An in-place replay drops the schema and creates it anew: grants go with the old schema.
            let admin = try fixture.database.connect()
            try admin.transaction { try ProjectionMigrator.recreate(StoryProjection(), in: $0) }
            let login = try fixture.roles.createLogin("story_worker", memberOf: [fixture.access.writer(of: "story")])
            let worker = try PostgresConnection(conninfo: fixture.database.url(as: login))
            findings.check(try ProjectionMigrator.migrate(StoryProjection(), connection: worker) == .upToDate, "the story writer attaches to the migrated tables")
            try worker.transaction { tx in
                try StoryProjection().apply(
                    [ProjectedEvent(event: .storyEvent(Self.storyEvent(1)), coordinates: EventCoordinates(topic: "story-event", partition: 0, offset: 0))],
                    schema: "story", connection: tx)
            }
            findings.check(try worker.execute("SELECT count(*)::bigint AS n FROM story.events").rows.first?.int("n") == 1, "the story writer writes the recreated story.events")

            // The scaling writer finds its actuation tables made by `annals migrate` and runs no DDL either.
            let scaling = try fixture.roles.createLogin("scaling_worker", memberOf: [fixture.access.writer(of: "scaling")])
            let scalingWorker = try PostgresConnection(conninfo: fixture.database.url(as: scaling))
            findings.check(try ProjectionMigrator.migrate(ScalingProjection(), connection: scalingWorker) == .upToDate, "the scaling writer attaches to the migrated tables")
            try ActuationSQL().migrate(connection: scalingWorker)
            return findings.problems
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func aWorkerRoleFindingNothingMigratedSaysToRunMigrateAsTheOwner() async throws {
        let problems = try await onOwnThread { () -> [String] in
            var findings = Findings()
            let database = try TestDatabase.create(prefix: "roles_unmigrated")
            let roles = try TestRoles()
            defer {
                try? database.drop()
                try? roles.drop()
            }
            let login = try roles.createLogin("story_worker")
            let worker = try PostgresConnection(conninfo: database.url(as: login))
            do {
                try ProjectionMigrator.migrate(StoryProjection(), connection: worker)
                findings.problems.append("a role without CREATE migrated")
            } catch let error as ProjectionAccessError {
                findings.check(error.role == login, "the error names the role \(login): \(error)")
                findings.check(error.description.contains("the annals runtime tables do not exist yet"), "\(error)")
                findings.check(
                    error.remedy == .migrateRolesAndGrantWriter(projection: "story", login: login), "\(error)")
                let rendered = "\(RenderedError.rendering(error))"
                findings.check(rendered.contains("annals migrate --roles"), rendered)
                findings.check(rendered.contains("GRANT annals_story_writer TO \(login)"), rendered)
            }

            // Migrated by the owner, but the login was granted nothing: it says what it lacks.
            try ProjectionMigrator.migrate(StoryProjection(), connection: try database.connect())
            do {
                try ProjectionMigrator.migrate(StoryProjection(), connection: worker)
                findings.problems.append("a role granted nothing attached")
            } catch let error as ProjectionAccessError {
                findings.check(error.problem.contains("SELECT on annals.projections"), "\(error)")
            }
            return findings.problems
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    static func storyEvent(_ index: Int) -> StoryEvent {
        var event = StoryEvent()
        event.meta.eventID = "roles-\(index)"
        event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + Int64(index))
        event.worldID = "world-roles"
        event.sequence = UInt64(index)
        event.kind = "quest-completed"
        event.summary = "event \(index)"
        return event
    }
}

/// A database migrated by `annals migrate --roles` under a test's own role prefix.
struct RolesFixture {
    let database: TestDatabase
    let roles: TestRoles
    let access: AccessRoles

    init(name: String) throws {
        let database = try TestDatabase.create(prefix: name)
        let roles = try TestRoles()
        self.database = database
        self.roles = roles
        do {
            access = try AccessRoles(prefix: roles.prefix)
            try Self.migrate(database, roles)
        } catch {
            try? database.drop()
            try? roles.drop()
            throw error
        }
    }

    func migrate() throws {
        try Self.migrate(database, roles)
    }

    private static func migrate(_ database: TestDatabase, _ roles: TestRoles) throws {
        try MigrateCommand.parse(["--roles", "--role-prefix", roles.prefix, "--database-url", database.url]).run()
    }

    func tearDown() {
        try? database.drop()
        try? roles.drop()
    }
}

/// What a role may do to each table of some schemas.
struct Privileges {
    var schema: String
    var name: String
    var usage, create, select, insert, update, delete, truncate: Bool

    static func of(_ role: String, in schemas: [String], _ connection: PostgresConnection) throws -> [Privileges] {
        try connection.execute(
            """
            SELECT n.nspname::text AS schema, n.nspname || '.' || c.relname AS name,
                   has_schema_privilege($1, n.oid, 'USAGE') AS usage, has_schema_privilege($1, n.oid, 'CREATE') AS can_create,
                   has_table_privilege($1, c.oid, 'SELECT') AS can_select, has_table_privilege($1, c.oid, 'INSERT') AS can_insert,
                   has_table_privilege($1, c.oid, 'UPDATE') AS can_update, has_table_privilege($1, c.oid, 'DELETE') AS can_delete,
                   has_table_privilege($1, c.oid, 'TRUNCATE') AS can_truncate
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY($2::text[]) AND c.relkind IN ('r', 'p') ORDER BY 2
            """,
            [PostgresValue(role), .textArray(schemas)]
        ).rows.map { row in
            Privileges(
                schema: try row.string("schema"), name: try row.string("name"), usage: try row.bool("usage"),
                create: try row.bool("can_create"), select: try row.bool("can_select"), insert: try row.bool("can_insert"),
                update: try row.bool("can_update"), delete: try row.bool("can_delete"), truncate: try row.bool("can_truncate"))
        }
    }
}

/// What a test body running on a thread of its own (libpq blocks) found wrong. Swift Testing attributes issues to
/// a test through task-local state a plain thread does not have, so the body collects problems and the test
/// expects none.
struct Findings {
    var problems: [String] = []

    mutating func check(_ condition: Bool, _ what: @autoclosure () -> String) {
        if !condition { problems.append(what()) }
    }

    /// Expects `sql` to fail with SQLSTATE 42501 (insufficient privilege, which row-level security violations share).
    mutating func expectPermissionDenied(_ sql: String, on connection: PostgresConnection) {
        do {
            try connection.execute(sql)
            problems.append("allowed: \(sql)")
        } catch let error as PostgresError where error.sqlState == "42501" {
            return
        } catch {
            problems.append("\(sql): \(error), expected permission denied")
        }
    }
}
