import AnnalsEvents
import Foundation
import KnowledgeBase
import Postgres
import Projection
import ReadAPI
import Scaling
import Story
import TestSupport
import Testing

/// `annals-api` over HTTP against a real PostgreSQL holding the sample corpus, story and scale decisions.
@Suite(.serialized) struct ReadAPIEndpointTests {
    struct Worlds: Decodable { var worlds: [WorldOverview] }
    struct Search: Decodable { var q: String; var k: Int; var world: String?; var hits: [SearchHit] }
    struct Related: Decodable { var conceptID: String; var depth: Int; var related: [RelatedConceptReport] }
    struct Capacity: Decodable { var tiers: [TierCapacityReport] }
    struct Decisions: Decodable { var decisions: [ScaleDecisionReport] }

    @Test func everyEndpointAnswersFromTheProjections() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_endpoints")
        defer { fixture.drop() }
        let api = try await APIServerHarness(conninfo: fixture.database.url)

        let worlds = try await api.json("/v1/worlds", as: Worlds.self).worlds
        #expect(worlds.map(\.worldID) == ["cindermoor", "gloamwood", "tidemark"])
        #expect(worlds.allSatisfy { $0.documents == 2 && $0.storyEvents > 0 }, "\(worlds)")

        let search = try await api.json("/v1/search?world=cindermoor&q=who+keeps+the+lamps+lit&k=5", as: Search.self)
        #expect(search.k == 5 && search.world == "cindermoor" && search.q == "who keeps the lamps lit")
        #expect((1...5).contains(search.hits.count))
        #expect(search.hits.allSatisfy { $0.worldID == nil || $0.worldID == "cindermoor" }, "\(search.hits.map(\.documentID))")

        let documentID = try #require(search.hits.first?.documentID)
        let document = try await api.json("/v1/documents/\(documentID)", as: DocumentReport.self)
        #expect(document.documentID == documentID && !document.chunks.isEmpty)
        #expect(document.chunks.map(\.ordinal) == Array(0..<document.chunks.count))

        let first = try await api.json("/v1/worlds/cindermoor/story?limit=3", as: StoryHistoryPage.self)
        #expect(first.events.map(\.sequence) == [1, 2, 3])
        let next = try #require(first.nextAfter)
        let second = try await api.json("/v1/worlds/cindermoor/story?after=\(next)&limit=500", as: StoryHistoryPage.self)
        #expect(second.events.first?.sequence == 4 && second.nextAfter == nil)

        let concept = try #require(first.events.first?.actors.first)
        let history = try await api.json("/v1/concepts/\(concept)/history?world=cindermoor", as: ConceptHistoryReport.self)
        #expect(history.conceptID == concept && !history.changes.isEmpty)
        let related = try await api.json("/v1/concepts/\(concept)/related?world=cindermoor&depth=2", as: Related.self)
        #expect(related.depth == 2 && !related.related.isEmpty && related.related.allSatisfy { $0.depth <= 2 })

        let capacity = try await api.json("/v1/scaling/capacity", as: Capacity.self).tiers
        #expect(capacity.map { "\($0.tier)=\($0.desiredCapacity)" } == ["gold=7", "silver=3"])
        let decisions = try await api.json("/v1/scaling/decisions?tier=gold&limit=1", as: Decisions.self).decisions
        #expect(decisions.map(\.desiredCapacity) == [7])

        #expect(try await api.get("/openapi.json").body.contains("\"openapi\": \"3.1.0\""))
        #expect(try await api.get("/").body.contains("<title>Annals</title>"))
        await api.stop()
    }

    static let badRequests: [(path: String, status: Int, parameter: String?)] = [
        ("/v1/search?world=cindermoor", 400, "q"),
        ("/v1/search?q=lamps&k=0", 400, "k"),
        ("/v1/search?q=lamps&k=101", 400, "k"),
        ("/v1/search?q=lamps&k=ten", 400, "k"),
        ("/v1/search?q=lamps&k=1&k=2", 400, "k"),
        ("/v1/search?q=" + String(repeating: "a", count: 1_001), 400, "q"),
        ("/v1/search?q=lamps&world=%00", 400, "world"),
        ("/v1/search?q=%E2%82", 400, "q"),
        ("/v1/search?q=lamps&kk=3", 400, "kk"),
        ("/v1/concepts/tamsin-ashe/related?depth=6", 400, "depth"),
        ("/v1/worlds/cindermoor/story?limit=0", 400, "limit"),
        ("/v1/worlds/cindermoor/story?after=-2", 400, "after"),
        ("/v1/scaling/decisions?limit=501", 400, "limit"),
        ("/v1/documents/no-such-document", 404, nil),
        ("/v1/concepts/no-such-concept/history", 404, nil),
        ("/v1/worlds/no-such-world/story", 404, nil),
        ("/v1/no-such-endpoint", 404, nil),
    ]

    @Test func badRequestsGetJSONErrorsNamingTheParameter() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_errors")
        defer { fixture.drop() }
        let api = try await APIServerHarness(conninfo: fixture.database.url)
        for (path, status, parameter) in Self.badRequests {
            let response = try await api.get(path)
            #expect(response.status == status, "\(path): \(response.body)")
            #expect(response.headers["content-type"]?.hasPrefix("application/json") == true, "\(path)")
            let body = try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body.utf8))
            #expect(body?.error.parameter == parameter, "\(path): \(response.body)")
            #expect(body?.error.message.isEmpty == false, "\(path)")
        }
        await api.stop()
    }

    @Test func searchAnswersAreCachedUntilTheKnowledgeBaseMoves() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_cache")
        defer { fixture.drop() }
        let api = try await APIServerHarness(conninfo: fixture.database.url)
        let path = "/v1/search?world=cindermoor&q=glassblower+furnace+quarantine&k=3"
        let first = try await api.get(path)
        let second = try await api.get(path)
        #expect(first.headers["x-annals-cache"] == "miss")
        #expect(second.headers["x-annals-cache"] == "hit")
        #expect(first.body == second.body)

        // A new document commits with its checkpoint: the cached answer is older than the data, so it is not used.
        try await fixture.ingest([ReadSideFixture.document(
            "glassworks-notice", world: "cindermoor", title: "Glassworks notice",
            content: "The glassblower's furnace is under quarantine: no glassblower may light the furnace until the quarantine ends.")])

        let third = try await api.get(path)
        #expect(third.headers["x-annals-cache"] == "miss")
        let hits = try JSONDecoder().decode(Search.self, from: Data(third.body.utf8)).hits
        #expect(hits.first?.documentID == "glassworks-notice", "\(hits.map(\.documentID))")
        #expect(try await api.get(path).headers["x-annals-cache"] == "hit")
        await api.stop()
    }

    @Test func clientsBeyondTheRateLimitGet429WithRetryAfter() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_rate")
        defer { fixture.drop() }
        var settings = ReadAPISettings()
        settings.rateLimit = RateLimit(perSecond: 0.2, burst: 3)
        let api = try await APIServerHarness(conninfo: fixture.database.url, settings: settings)
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await api.get("/v1/scaling/capacity").status) }
        let refused = try await api.get("/v1/worlds")
        #expect(statuses == [200, 200, 200, 429])
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"].flatMap(Int.init).map { $0 >= 1 && $0 <= 5 } == true, "\(refused.headers)")
        #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(refused.body.utf8)).error.code == "rate_limited")
        #expect(try await api.get("/healthz").status == 200, "operational endpoints are never limited")
        #expect(try await api.get("/readyz").status == 200)
        await api.stop()
    }

    @Test func aLoginWithOnlyTheReaderRoleServesEverything() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_reader")
        let roles = try TestRoles()
        defer {
            fixture.drop()
            try? roles.drop()
        }
        let access = try AccessRoles(prefix: roles.prefix)
        let login = try await onOwnThread {
            _ = try access.apply(to: [fixture.knowledgeBase, fixture.story, fixture.scaling], connection: try fixture.database.connect())
            return try roles.createLogin("api", memberOf: [access.reader])
        }
        let api = try await APIServerHarness(conninfo: fixture.database.url(as: login))
        let path = "/v1/search?world=tidemark&q=tide+tower&k=3"
        #expect(try await api.get(path).headers["x-annals-cache"] == "miss")
        #expect(try await api.get(path).headers["x-annals-cache"] == "hit", "the reader may ask the data version")
        for path in ["/v1/worlds", "/v1/worlds/tidemark/story", "/v1/scaling/capacity", "/v1/scaling/decisions"] {
            #expect(try await api.get(path).status == 200, "\(path)")
        }
        await api.stop()
    }

    @Test func readinessFollowsTheDatabaseAndMetricsAreExposed() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_ready")
        defer { fixture.drop() }
        let api = try await APIServerHarness(conninfo: fixture.database.url)
        #expect(try await api.get("/readyz").status == 200)
        _ = try await api.get("/v1/search?q=lamps")
        let metrics = try await api.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("annals_api_search_cache_total"), "\(metrics.body.prefix(400))")
        #expect(metrics.body.contains("http_requests_total") || metrics.body.contains("http_server_request_duration"))
        await api.stop()

        let unreachable = try await APIServerHarness(conninfo: "postgresql://127.0.0.1:1/nothing?connect_timeout=2")
        let ready = try await unreachable.get("/readyz")
        #expect(ready.status == 503)
        #expect(try await unreachable.get("/v1/worlds").status == 503)
        await unreachable.stop()
    }
}
