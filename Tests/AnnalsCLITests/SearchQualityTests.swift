import AnnalsEvents
import DocumentIngest
import Foundation
import KnowledgeBase
import Postgres
import Projection
import TestSupport
import Testing

/// Search quality on the sample corpus with the default embedder and settings: the hand-judged queries of
/// `Samples/knowledge-base/queries.yaml` must find their document in the top 5 at least 90% of the time.
@Suite struct SearchQualityTests {
    @Test func handJudgedQueriesFindTheirDocumentInTheTopFive() throws {
        let database = try TestDatabase.create(prefix: "kb_quality")
        defer { try? database.drop() }
        let db = try database.connect()
        let projection = try KnowledgeBaseProjection()
        try ProjectionMigrator.migrate(projection, connection: db)
        let events = try SampleCorpusTests.load(SampleCorpusTests.documentsDirectory).enumerated().map { index, file in
            var event = ProjectedEvent(event: .documentIngested(file.event),
                                       coordinates: EventCoordinates(topic: "document-ingested", partition: 0, offset: Int64(index)))
            event.prepared = projection.prepare(event)
            return event
        }
        try db.transaction { try projection.apply(events, schema: projection.schema, connection: $0) }

        let embedder = try HashingEmbedder()
        let search = KnowledgeBaseSearch(embedder: embedder)
        let queries = try SampleCorpusTests.queries()
        #expect(queries.count >= 20)
        var found = 0
        var reciprocalRanks = 0.0
        var report: [String] = []
        for judged in queries {
            let query = SearchQuery(worldID: judged.world, text: judged.query, limit: 5)
            let hits = try search.search(query, embedding: embedder.embedOne(judged.query), connection: db)
            let documents = hits.map(\.documentID).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let rank = hits.firstIndex { $0.documentID == judged.expect }.map { $0 + 1 }
            if let rank {
                found += 1
                reciprocalRanks += 1 / Double(rank)
            }
            report.append("\(rank.map { "#\($0)" } ?? "miss")\t\(judged.world ?? "global")\t\(judged.query)\t→ \(documents.prefix(3).joined(separator: ", "))")
        }
        let recall = Double(found) / Double(queries.count)
        print("search quality: recall@5 \(found)/\(queries.count) = \(String(format: "%.3f", recall)), "
              + "MRR \(String(format: "%.3f", reciprocalRanks / Double(queries.count)))\n" + report.joined(separator: "\n"))
        #expect(recall >= 0.9, "recall@5 \(recall):\n\(report.joined(separator: "\n"))")
    }
}
