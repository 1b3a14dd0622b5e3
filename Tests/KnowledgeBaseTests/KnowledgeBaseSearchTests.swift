import AnnalsEvents
import KnowledgeBase
import Postgres
import Projection
import TestSupport
import Testing

/// Hybrid search against a real PostgreSQL with pgvector, over chunks written by the knowledge-base projection.
@Suite struct KnowledgeBaseSearchTests {
    /// One document of the corpus.
    struct Doc {
        var id: String
        var world: String
        var title: String
        var content: String
    }

    /// A long chronicle mentioning one rare name once: full text finds it by that name, but the name is a small
    /// part of the chunk's vector, and short chunks sharing its letters sit nearer the query.
    static let chronicle = """
        The harvest festival of the river towns lasted nine days that year. Merchants came down from the hills with \
        wool, salt and iron, and the ferrymen doubled their prices at every crossing. On the fourth day a travelling \
        scholar named Quillothrax read aloud from a book of old songs while the children of the millers danced on \
        the green. The council argued about bridge tolls, the bakers sold honey bread by the cartload, and the \
        evening bells rang until well after midnight. When the rains returned the roads turned to mud, the stalls \
        were folded away, and the river towns went back to their quiet work of weaving, fishing and mending nets.
        """

    static let corpus: [Doc] = [
        Doc(id: "ember-library", world: "emberfall", title: "The Ember Library", content: """
            The Lamplighters guard the Ember Library on the Ashen Coast. Every night they walk the stacks with \
            lamps and keep the shelves lit.
            """),
        Doc(id: "cinder-codex", world: "emberfall", title: "The Cinder Codex", content: """
            Kaela recovered the Cinder Codex from beneath the scriptorium after the Ash Wyrm was driven off. \
            It was also found upon an altar.
            """),
        Doc(id: "river-chronicle", world: "emberfall", title: "Chronicle of the River Towns", content: chronicle),
        Doc(id: "quill-1", world: "emberfall", title: "Quills", content: "A quill lies on the desk."),
        Doc(id: "quill-2", world: "emberfall", title: "Quill Lots", content: "Lots of quills were sold."),
        Doc(id: "quill-3", world: "emberfall", title: "Thrax", content: "Thrax the quill maker."),
        Doc(id: "quill-4", world: "emberfall", title: "Quillon", content: "The quillon of the sword."),
        Doc(id: "quill-5", world: "emberfall", title: "Quill Lot", content: "Quill lot."),
        Doc(id: "salt-library", world: "saltmarsh", title: "The Drowned Library", content: """
            The Tidewardens guard the Drowned Library of Saltmarsh. Who guards the library? The Tidewardens, and \
            Quillothrax, their librarian, guardian of the lamplit shelves.
            """),
        Doc(id: "almanac", world: "", title: "Almanac of Tides", content: """
            Every harbour keeps a lamp lit at the sea wall; the almanac lists the tides for every coast.
            """),
        Doc(id: "dup-b", world: "emberfall", title: "Twin Shrines", content: "The twin shrines of the ember moon."),
        Doc(id: "dup-a", world: "emberfall", title: "Twin Shrines", content: "The twin shrines of the ember moon."),
    ]

    static func event(_ doc: Doc) -> DocumentIngested {
        var event = DocumentIngested()
        event.meta.eventID = "\(doc.id)-v1"
        event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600)
        event.documentID = doc.id
        event.version = 1
        event.worldID = doc.world
        event.title = doc.title
        event.source = "tests"
        event.content = doc.content
        event.contentHash = "hash-\(doc.id)"
        return event
    }

    /// A fresh database holding the corpus, written through the projection.
    struct Fixture {
        let database: TestDatabase
        let connection: PostgresConnection
        let search: KnowledgeBaseSearch

        init(prefix: String, dimension: Int = 384) throws {
            database = try TestDatabase.create(prefix: prefix)
            connection = try database.connect()
            let projection = try KnowledgeBaseProjection(settings: .init(dimension: dimension))
            try ProjectionMigrator.migrate(projection, connection: connection)
            let events = KnowledgeBaseSearchTests.corpus.enumerated().map { index, doc in
                ProjectedEvent(event: .documentIngested(KnowledgeBaseSearchTests.event(doc)),
                               coordinates: EventCoordinates(topic: "document-ingested", partition: 0, offset: Int64(index)))
            }
            let connection = self.connection
            try connection.transaction { try projection.apply(events, schema: projection.schema, connection: $0) }
            search = KnowledgeBaseSearch(embedder: try HashingEmbedder(dimension: dimension))
        }

        func run(_ text: String, world: String? = "emberfall", k: Int = 10) async throws -> [SearchHit] {
            try await search.search(SearchQuery(worldID: world, text: text, limit: k), connection: connection)
        }

        func drop() { try? database.drop() }
    }

    @Test func aWorldSeesItsOwnAndGlobalChunksButNeverAnotherWorlds() async throws {
        let fixture = try Fixture(prefix: "kb_search_scope")
        defer { fixture.drop() }
        // Every word of this query is in the saltmarsh document; it would be first anywhere.
        let query = "Who guards the Drowned Library? Tidewardens, Quillothrax, librarian, guardian, lamp, tides"
        let unscoped = try await fixture.run(query, world: "saltmarsh", k: 3)
        #expect(unscoped.first?.documentID == "salt-library", "the saltmarsh chunk matches best in its own world")

        let emberfall = try await fixture.run(query, world: "emberfall", k: 100)
        #expect(!emberfall.isEmpty)
        #expect(emberfall.allSatisfy { $0.worldID == "emberfall" || $0.worldID == nil }, "\(emberfall.map(\.documentID))")
        #expect(emberfall.contains { $0.documentID == "almanac" && $0.worldID == nil }, "global documents are visible")
        #expect(!emberfall.contains { $0.documentID == "salt-library" })

        let global = try await fixture.run(query, world: nil, k: 100)
        #expect(global.map(\.documentID) == ["almanac"], "global only: no world's chunks")

        let elsewhere = try await fixture.run(query, world: "nowhere", k: 100)
        #expect(elsewhere.map(\.documentID) == ["almanac"], "an unknown world still sees the global documents")
    }

    @Test func hybridFindsWhatEitherMethodAloneMisses() async throws {
        let fixture = try Fixture(prefix: "kb_search_hybrid")
        defer { fixture.drop() }
        let k = 3
        let embedder = try HashingEmbedder()

        // Rare word: full text finds the chronicle by the name; vectors prefer short chunks with similar letters.
        let rare = "Quillothrax"
        let rareVector = try fixture.search.nearestChunks(to: embedder.embedOne(rare), worldID: "emberfall", limit: k,
                                                          connection: fixture.connection)
        let rareText = try fixture.search.matchingChunks(rare, worldID: "emberfall", limit: k, connection: fixture.connection)
        let rareHybrid = try await fixture.run(rare, k: k)
        #expect(!rareVector.map(\.chunk.documentID).contains("river-chronicle"), "\(rareVector.map(\.chunk))")
        #expect(rareText.map(\.chunk.documentID) == ["river-chronicle"])
        #expect(rareHybrid.map(\.documentID).contains("river-chronicle"), "\(rareHybrid.map(\.documentID))")

        // Paraphrase: other forms of the words, which the English stemmer keeps apart but character trigrams relate.
        let paraphrase = "guardian librarians lamplit"
        let paraphraseVector = try fixture.search.nearestChunks(
            to: embedder.embedOne(paraphrase), worldID: "emberfall", limit: k, connection: fixture.connection)
        let paraphraseText = try fixture.search.matchingChunks(paraphrase, worldID: "emberfall", limit: k,
                                                               connection: fixture.connection)
        let paraphraseHybrid = try await fixture.run(paraphrase, k: k)
        #expect(paraphraseVector.first?.chunk.documentID == "ember-library", "\(paraphraseVector.map(\.chunk))")
        #expect(!paraphraseText.map(\.chunk.documentID).contains("ember-library"))
        #expect(paraphraseHybrid.first?.documentID == "ember-library", "\(paraphraseHybrid.map(\.documentID))")
        #expect(paraphraseHybrid.first?.textRank == nil && paraphraseHybrid.first?.vectorRank == 1)
    }

    @Test func aQueryOfStopWordsSkipsTheVectorSearch() async throws {
        let fixture = try Fixture(prefix: "kb_search_stop")
        defer { fixture.drop() }
        #expect(try await fixture.run("Who is it? What are they, and where?").isEmpty)
        // Stop words to the embedder but words to PostgreSQL's English dictionary: full text alone answers.
        let hits = try await fixture.run("also upon")
        #expect(hits.map(\.documentID) == ["cinder-codex"])
        #expect(hits.allSatisfy { $0.vectorRank == nil && $0.cosineSimilarity == nil })
    }

    @Test func wordsInMostChunksRankButDoNotBringCandidatesOnceTheTableIsAnalysed() throws {
        let database = try TestDatabase.create(prefix: "kb_search_common")
        defer { try? database.drop() }
        let db = try database.connect()
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: 64))
        try ProjectionMigrator.migrate(projection, connection: db)
        var docs = (0..<12).map { Doc(id: "hall-\($0)", world: "emberfall", title: "Hall \($0)",
                                     content: "The ember keepers of hall \($0) sing at dusk.") }
        docs.append(Doc(id: "rare", world: "emberfall", title: "Rare", content: "Quillothrax tends one ember."))
        let events = docs.enumerated().map { index, doc in
            ProjectedEvent(event: .documentIngested(Self.event(doc)),
                           coordinates: EventCoordinates(topic: "document-ingested", partition: 0, offset: Int64(index)))
        }
        try db.transaction { try projection.apply(events, schema: projection.schema, connection: $0) }
        let search = KnowledgeBaseSearch(embedder: try HashingEmbedder(dimension: 64),
                                         settings: .init(commonWordFrequency: 0.5))
        func matches(_ text: String) throws -> [String] {
            try search.matchingChunks(text, worldID: "emberfall", limit: 100, connection: db).map(\.chunk.documentID)
        }

        #expect(try matches("ember quillothrax").count == 13, "no statistics yet: every word brings candidates")
        try db.execute("ANALYZE kb.chunks")
        #expect(try matches("ember quillothrax") == ["rare"], "'ember' is in every chunk: it only ranks")
        let rare = try search.matchingChunks("ember quillothrax", worldID: "emberfall", limit: 10, connection: db)
        let rareAlone = try search.matchingChunks("quillothrax", worldID: "emberfall", limit: 10, connection: db)
        #expect(rare[0].score > rareAlone[0].score, "the common word still counts in the rank")
        #expect(try matches("ember keepers").count == 12, "only common words: all of them must match")

        // The statistics as a server keeps them: read once, passed to each search.
        let words = try CommonWords.read(schema: "kb", connection: db)
        #expect(words.frequencies["ember"] == 1 && words.chunks == 13)
        #expect(try search.matchingChunks("ember quillothrax", worldID: "emberfall", limit: 100, commonWords: words,
                                          connection: db).map(\.chunk.documentID) == ["rare"])
        let unread = try search.matchingChunks("ember quillothrax", worldID: "emberfall", limit: 100, commonWords: .unknown,
                                               connection: db)
        #expect(unread.count == 13, "statistics not read yet: every word brings candidates; got \(unread.map(\.chunk.documentID))")

        // 13 chunks × 13/13 (ember) × 12/13 (keepers): 12 chunks expected; a limit of 11 leaves the query to vectors, 13 to full text.
        let limited = KnowledgeBaseSearch(embedder: try HashingEmbedder(dimension: 64),
                                          settings: .init(commonWordFrequency: 0.5, commonWordMatchLimit: 11))
        #expect(try limited.matchingChunks("ember keepers", worldID: "emberfall", limit: 100, connection: db).isEmpty,
                "only common words, expected in more chunks than the limit: no full-text candidates")
        #expect(try limited.matchingChunks("ember quillothrax", worldID: "emberfall", limit: 100, connection: db)
            .map(\.chunk.documentID) == ["rare"], "a rarer word still brings its candidates")
        let underLimit = KnowledgeBaseSearch(embedder: try HashingEmbedder(dimension: 64),
                                             settings: .init(commonWordFrequency: 0.5, commonWordMatchLimit: 13))
        #expect(try underLimit.matchingChunks("ember keepers", worldID: "emberfall", limit: 100, connection: db).count == 12)
    }

    /// A world's covering index holds vectors up to 512 dimensions with the longest ids an event may carry; above
    /// that it is not built and documents still apply (an entry of a 1,024-dimension vector would not fit a B-tree).
    @Test(arguments: [512, 1_024])
    func theLongestIdsApplyAtEveryDimensionAndTheWorldVectorIndexOnlyWhereItFits(dimension: Int) throws {
        let database = try TestDatabase.create(prefix: "kb_covering_\(dimension)")
        defer { try? database.drop() }
        let db = try database.connect()
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: dimension))
        try ProjectionMigrator.migrate(projection, connection: db)
        let longest = String(repeating: "w", count: EventValidator.maxIdentifierLength)
        let doc = Doc(id: String(repeating: "d", count: EventValidator.maxIdentifierLength), world: longest,
                      title: "Longest", content: "The lamplighters of the longest names keep the ember lit.")
        let event = ProjectedEvent(event: .documentIngested(Self.event(doc)),
                                   coordinates: EventCoordinates(topic: "document-ingested", partition: 0, offset: 0))
        try db.transaction { try projection.apply([event], schema: projection.schema, connection: $0) }
        let indexes = try db.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'kb' AND tablename = 'chunks'")
            .rows.map { try $0.string("indexname") }
        #expect(indexes.contains("chunks_world_vectors") == (dimension <= KnowledgeBaseSettings.worldVectorIndexMaxDimension))
        let search = KnowledgeBaseSearch(embedder: try HashingEmbedder(dimension: dimension))
        let found = try search.nearestChunks(to: try HashingEmbedder(dimension: dimension).embedOne("ember lamplighters"),
                                             worldID: longest, limit: 5, connection: db)
        #expect(found.map(\.chunk.documentID) == [doc.id])
    }

    @Test func punctuationAndOperatorsInAQueryAreSearchedAsText() async throws {
        let fixture = try Fixture(prefix: "kb_search_quoting")
        defer { fixture.drop() }
        for text in [#"Kaela's codex"#, #"back\slash \ 'quote' '' \'"#, "codex & !ember | (wyrm) <-> ash:* <2>",
                     "'; DROP TABLE kb.chunks; --", "http://ember.example/a?b&c=d ember-library", "🔥 ember 世界"] {
            _ = try await fixture.run(text)
        }
        #expect(try await fixture.run("Kaela's codex!").first?.documentID == "cinder-codex")
    }

    @Test func kMustBeFromOneToAHundred() async throws {
        let fixture = try Fixture(prefix: "kb_search_k")
        defer { fixture.drop() }
        for k in [0, -1, 101] {
            await #expect(throws: SearchError.limitOutOfRange(k, allowed: 1...100)) {
                try await fixture.run("ember library", k: k)
            }
        }
        #expect(try await fixture.run("ember library", k: 1).count == 1)
        let all = try await fixture.run("ember library", k: 100)
        let inScope = try fixture.connection.execute(
            "SELECT count(*) AS n FROM kb.chunks WHERE world_id = 'emberfall' OR world_id IS NULL").rows[0].int("n")
        #expect(all.count == inScope, "k above the candidates per method still returns every chunk in scope")
        await #expect(throws: SearchError.emptyQuery) { try await fixture.run("  \n ") }
        await #expect(throws: SearchError.queryTooLong(characters: 1_001, limit: 1_000)) {
            try await fixture.run(String(repeating: "x", count: 1_001))
        }
    }

    @Test func theSameQueryGivesTheSameHitsInTheSameOrderEveryTime() async throws {
        let fixture = try Fixture(prefix: "kb_search_determinism")
        defer { fixture.drop() }
        let query = "twin shrines of the ember library"
        let first = try await fixture.run(query, k: 20)
        #expect(first.count >= 3)
        for _ in 0..<5 {
            #expect(try await fixture.run(query, k: 20) == first)
        }
        let other = try await KnowledgeBaseSearch(embedder: HashingEmbedder())
            .search(SearchQuery(worldID: "emberfall", text: query, limit: 20), connection: fixture.database.connect())
        #expect(other == first, "another connection, same answer")
        // Identical chunks tie on each method's score: document id decides their order in both, and so after fusion.
        let twins = first.filter { $0.documentID.hasPrefix("dup-") }
        #expect(twins.map(\.documentID) == ["dup-a", "dup-b"])
        #expect(twins.count == 2 && twins[0].cosineSimilarity == twins[1].cosineSimilarity
                && twins[0].textScore == twins[1].textScore)
        #expect(twins.count == 2 && twins[0].vectorRank.map { $0 + 1 } == twins[1].vectorRank)
        #expect(zip(first, first.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    @Test func scanSettingsLastOnlyForTheSearchsTransaction() async throws {
        let fixture = try Fixture(prefix: "kb_search_settings")
        defer { fixture.drop() }
        let before = try fixture.connection.execute("SHOW hnsw.ef_search").rows[0]["hnsw.ef_search"]
        let tuned = KnowledgeBaseSearch(embedder: try HashingEmbedder(), settings: .init(efSearch: 321, maxScanTuples: 5_000))
        _ = try await tuned.search(SearchQuery(worldID: "emberfall", text: "ember library"), connection: fixture.connection)
        #expect(try fixture.connection.execute("SHOW hnsw.ef_search").rows[0]["hnsw.ef_search"] == before)
        #expect(!fixture.connection.isInTransaction)
    }

    @Test func aMissingKnowledgeBaseOrAnotherDimensionIsExplained() async throws {
        let fixture = try Fixture(prefix: "kb_search_errors", dimension: 64)
        defer { fixture.drop() }
        #expect(try KnowledgeBaseSearch.embeddingDimension(connection: fixture.connection) == 64)
        #expect(try KnowledgeBaseSearch.embeddingDimension(schema: "nothing", connection: fixture.connection) == nil)
        let wrongDimension = KnowledgeBaseSearch(embedder: try HashingEmbedder(dimension: 384))
        await #expect(throws: EmbedderError.dimensionMismatch(embedder: 384, table: 64)) {
            try await wrongDimension.search(SearchQuery(worldID: "emberfall", text: "ember"), connection: fixture.connection)
        }
        #expect(fixture.connection.isHealthy && !fixture.connection.isInTransaction)
        let missing = KnowledgeBaseSearch(schema: "nothing", embedder: try HashingEmbedder(dimension: 64))
        await #expect(throws: SearchError.missingTables(schema: "nothing")) {
            try await missing.search(SearchQuery(worldID: "emberfall", text: "ember"), connection: fixture.connection)
        }
    }
}
