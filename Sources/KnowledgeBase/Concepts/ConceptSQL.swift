import Foundation
import Postgres
import Projection

/// The knowledge-base projection's concept and relationship statements.
///
/// `concept_versions` and `relationship_changes` keep every change with the event that caused it;
/// `concepts` and `relationships` hold each scope's current state, recomputed from those changes in
/// event-time order whenever a change arrives, so arrival order never shows in the tables.
/// `world_id` is "" for global (a global document's declarations), unlike `documents.world_id`, which is
/// NULL then: it is part of these tables' keys.
struct ConceptSQL {
    /// Quoted schema name.
    let schema: String

    static func migrations(schema s: String) -> [String] {
        let cause = """
            event_id text NOT NULL,
                occurred_at timestamptz NOT NULL,
                source text NOT NULL CHECK (source IN ('document', 'story')),
                document_id text,
                document_version bigint,
                story_sequence bigint,
                topic text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL
            """
        return [
            """
            CREATE TABLE IF NOT EXISTS \(s).concept_versions (
                world_id text NOT NULL,
                concept_id text NOT NULL,
                name text NOT NULL,
                kind text NOT NULL,
                description text NOT NULL,
                attributes jsonb NOT NULL,
                \(cause),
                PRIMARY KEY (world_id, concept_id, event_id)
            )
            """,
            "CREATE INDEX IF NOT EXISTS concept_versions_document ON \(s).concept_versions (document_id, document_version)",
            """
            CREATE TABLE IF NOT EXISTS \(s).concepts (
                world_id text NOT NULL,
                concept_id text NOT NULL,
                name text NOT NULL,
                kind text NOT NULL,
                description text NOT NULL,
                attributes jsonb NOT NULL,
                change_count integer NOT NULL,
                last_event_id text NOT NULL,
                updated_at timestamptz NOT NULL,
                PRIMARY KEY (world_id, concept_id)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(s).relationship_changes (
                world_id text NOT NULL,
                from_concept_id text NOT NULL,
                to_concept_id text NOT NULL,
                kind text NOT NULL,
                weight double precision NOT NULL,
                present boolean NOT NULL,
                \(cause),
                PRIMARY KEY (world_id, from_concept_id, to_concept_id, kind, event_id)
            )
            """,
            "CREATE INDEX IF NOT EXISTS relationship_changes_document ON \(s).relationship_changes (document_id, document_version)",
            """
            CREATE TABLE IF NOT EXISTS \(s).relationships (
                world_id text NOT NULL,
                from_concept_id text NOT NULL,
                to_concept_id text NOT NULL,
                kind text NOT NULL,
                weight double precision NOT NULL,
                present boolean NOT NULL,
                event_id text NOT NULL,
                updated_at timestamptz NOT NULL,
                PRIMARY KEY (world_id, from_concept_id, to_concept_id, kind)
            )
            """,
            "CREATE INDEX IF NOT EXISTS relationships_to ON \(s).relationships (world_id, to_concept_id)",
        ]
    }

    /// The relationships a document version declared (and has not since removed).
    func declaredRelationships(documentID: String, version: Int64, connection: PostgresConnection) throws -> Set<RelationshipChange.Key> {
        let result = try connection.execute(
            """
            SELECT world_id, from_concept_id, to_concept_id, kind FROM \(schema).relationship_changes
            WHERE document_id = $1 AND document_version = $2 AND present
            """,
            [PostgresValue(documentID), .int(version)])
        return Set(try result.rows.map {
            RelationshipChange.Key(worldID: try $0.string("world_id"), fromConceptID: try $0.string("from_concept_id"),
                                   toConceptID: try $0.string("to_concept_id"), kind: try $0.string("kind"))
        })
    }

    /// Records the changes (an event seen twice changes nothing) and recomputes the current state they touch.
    ///
    /// The touched keys are locked first, until the transaction ends (`ConceptLocks`): a concurrent batch of
    /// another worker touching one of them commits before these changes are read, or waits for this one to.
    func record(_ changes: NarrativeChanges, connection: PostgresConnection) throws {
        try ConceptLocks.hold(ConceptLocks.keys(ConceptLocks.scopes(of: changes), schema: schema), connection: connection)
        if !changes.concepts.isEmpty {
            try insert(changes.concepts, connection: connection)
            try refreshConcepts(Set(changes.concepts.map { ConceptKey(worldID: $0.worldID, conceptID: $0.conceptID) }),
                                connection: connection)
        }
        if !changes.relationships.isEmpty {
            try insert(changes.relationships, connection: connection)
            try refreshRelationships(Set(changes.relationships.map(\.key)), connection: connection)
        }
    }

    private struct ConceptKey: Hashable {
        var worldID: String
        var conceptID: String
    }

    private func insert(_ changes: [ConceptChange], connection: PostgresConnection) throws {
        let causes = CauseColumns(changes.map(\.cause))
        try connection.execute(
            """
            INSERT INTO \(schema).concept_versions (world_id, concept_id, name, kind, description, attributes,
                event_id, occurred_at, source, document_id, document_version, story_sequence, topic, partition, "offset")
            SELECT w, c, n, k, d, a::jsonb, \(CauseColumns.selectList(from: 7))
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                        \(CauseColumns.parameterList(from: 7))) AS t(w, c, n, k, d, a, \(CauseColumns.names))
            ON CONFLICT DO NOTHING
            """,
            [
                .textArray(changes.map(\.worldID)), .textArray(changes.map(\.conceptID)), .textArray(changes.map(\.name)),
                .textArray(changes.map(\.kind)), .textArray(changes.map(\.description)),
                .textArray(changes.map { Self.json($0.attributes) }),
            ] + causes.parameters)
    }

    private func insert(_ changes: [RelationshipChange], connection: PostgresConnection) throws {
        let causes = CauseColumns(changes.map(\.cause))
        try connection.execute(
            """
            INSERT INTO \(schema).relationship_changes (world_id, from_concept_id, to_concept_id, kind, weight, present,
                event_id, occurred_at, source, document_id, document_version, story_sequence, topic, partition, "offset")
            SELECT w, f, t2, k, wt::double precision, p::boolean, \(CauseColumns.selectList(from: 7))
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                        \(CauseColumns.parameterList(from: 7))) AS t(w, f, t2, k, wt, p, \(CauseColumns.names))
            ON CONFLICT DO NOTHING
            """,
            [
                .textArray(changes.map(\.key.worldID)), .textArray(changes.map(\.key.fromConceptID)),
                .textArray(changes.map(\.key.toConceptID)), .textArray(changes.map(\.key.kind)),
                .textArray(changes.map { PostgresValue.double($0.weight).text }),
                .textArray(changes.map { $0.present ? "true" : "false" }),
            ] + causes.parameters)
    }

    /// Folds every stored change of each key, in event-time order, into its `concepts` row.
    private func refreshConcepts(_ keys: Set<ConceptKey>, connection: PostgresConnection) throws {
        let keys = Array(keys)
        let stored = try ConceptRows.changes(
            schema: schema, where: "(world_id, concept_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
            [.textArray(keys.map(\.worldID)), .textArray(keys.map(\.conceptID))], connection: connection)
        let grouped = Dictionary(grouping: stored) { ConceptKey(worldID: $0.worldID, conceptID: $0.conceptID) }
        var rows: [(key: ConceptKey, state: ConceptState)] = []
        for key in keys {
            guard let changes = grouped[key] else { continue }
            rows.append((key, ConceptState.folding(changes)))
        }
        guard !rows.isEmpty else { return }
        try connection.execute(
            """
            INSERT INTO \(schema).concepts (world_id, concept_id, name, kind, description, attributes, change_count,
                last_event_id, updated_at)
            SELECT w, c, n, k, d, a::jsonb, cc::integer, e, u::timestamptz
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                AS t(w, c, n, k, d, a, cc, e, u)
            ON CONFLICT (world_id, concept_id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
                description = EXCLUDED.description, attributes = EXCLUDED.attributes, change_count = EXCLUDED.change_count,
                last_event_id = EXCLUDED.last_event_id, updated_at = EXCLUDED.updated_at
            """,
            [
                .textArray(rows.map(\.key.worldID)), .textArray(rows.map(\.key.conceptID)),
                .textArray(rows.map(\.state.name)), .textArray(rows.map(\.state.kind)),
                .textArray(rows.map(\.state.description)), .textArray(rows.map { Self.json($0.state.attributes) }),
                .textArray(rows.map { String($0.state.changeCount) }),
                .textArray(rows.map { $0.state.lastCause?.eventID ?? "" }),
                .textArray(rows.map {
                    PostgresValue.timestamp(microsecondsSinceEpoch: $0.state.lastCause?.occurredAtMicroseconds ?? 0).text
                }),
            ])
    }

    /// Each key's latest change in event-time order becomes its `relationships` row (a removal is kept as
    /// `present = false`, so a world can hide a global edge).
    private func refreshRelationships(_ keys: Set<RelationshipChange.Key>, connection: PostgresConnection) throws {
        let keys = Array(keys)
        try connection.execute(
            """
            INSERT INTO \(schema).relationships (world_id, from_concept_id, to_concept_id, kind, weight, present, event_id, updated_at)
            SELECT DISTINCT ON (c.world_id, c.from_concept_id, c.to_concept_id, c.kind)
                c.world_id, c.from_concept_id, c.to_concept_id, c.kind, c.weight, c.present, c.event_id, c.occurred_at
            FROM \(schema).relationship_changes c
            JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(w, f, t, kind)
                ON c.world_id = k.w AND c.from_concept_id = k.f AND c.to_concept_id = k.t AND c.kind = k.kind
            ORDER BY c.world_id, c.from_concept_id, c.to_concept_id, c.kind, c.occurred_at DESC, c.event_id COLLATE "C" DESC
            ON CONFLICT (world_id, from_concept_id, to_concept_id, kind) DO UPDATE SET weight = EXCLUDED.weight,
                present = EXCLUDED.present, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at
            """,
            [
                .textArray(keys.map(\.worldID)), .textArray(keys.map(\.fromConceptID)),
                .textArray(keys.map(\.toConceptID)), .textArray(keys.map(\.kind)),
            ])
    }

    /// Attributes as a JSON object with sorted keys.
    static func json(_ attributes: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(attributes)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// The columns every change row shares, as parallel text arrays for `unnest`.
struct CauseColumns {
    static let names = "e, o, s, di, dv, ss, tp, pt, os"
    /// Parameters `$first…$(first+8)`.
    static func parameterList(from first: Int) -> String {
        (first..<first + 9).map { "$\($0)::text[]" }.joined(separator: ", ")
    }
    static func selectList(from first: Int) -> String {
        "e, o::timestamptz, s, di, dv::bigint, ss::bigint, tp, pt::integer, os::bigint"
    }

    let parameters: [PostgresValue?]

    init(_ causes: [ChangeCause]) {
        func column(_ value: (ChangeCause) -> String?) -> PostgresValue {
            // NULL elements: unquoted NULL in an array literal; quoted strings otherwise.
            let elements = causes.map { cause -> String in
                guard let text = value(cause) else { return "NULL" }
                return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            }
            return PostgresValue("{" + elements.joined(separator: ",") + "}")
        }
        parameters = [
            column { $0.eventID },
            column { PostgresValue.timestamp(microsecondsSinceEpoch: $0.occurredAtMicroseconds).text },
            column { if case .document = $0.source { "document" } else { "story" } },
            column { if case .document(let id, _) = $0.source { id } else { nil } },
            column { if case .document(_, let version) = $0.source { String(version) } else { nil } },
            column { if case .story(let sequence) = $0.source { String(sequence) } else { nil } },
            column { $0.coordinates.topic },
            column { String($0.coordinates.partition) },
            column { String($0.coordinates.offset) },
        ]
    }
}
