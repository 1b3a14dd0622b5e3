import KnowledgeBase
import Testing

@testable import ReadAPI

@Suite struct QueryStringTests {
    @Test(arguments: [
        ("q=lamp+lighter&k=5", [("q", "lamp lighter"), ("k", "5")]),
        ("q=caf%C3%A9%2Bbar", [("q", "café+bar")]),
        ("flag&empty=", [("flag", ""), ("empty", "")]),
        ("&&q=a&&", [("q", "a")]),
        ("", []),
    ])
    func decodesFormEncoding(query: String, expected: [(String, String)]) throws {
        let parsed = try QueryString(query)
        #expect(parsed.pairs.map(\.name) == expected.map(\.0))
        #expect(parsed.pairs.map(\.value) == expected.map(\.1))
    }

    @Test(arguments: ["q=%ZZ", "q=%C3", "q=%", "q=%F0%28%8C%28"])
    func badEscapesNameTheParameter(query: String) {
        #expect(throws: APIError.invalid("q", "parameter q is not valid percent-encoded UTF-8")) { try QueryString(query) }
    }

    @Test func aRepeatedParameterIsRefused() throws {
        let parsed = try QueryString("k=1&k=2")
        #expect(throws: APIError.self) { try parsed.value("k") }
        #expect(try parsed.value("missing") == nil)
    }

    @Test func unknownNamesAreListedOnce() throws {
        #expect(try QueryString("q=a&kk=2&kk=3&world=w").unknownNames(["q", "world", "k"]) == ["kk"])
    }
}

@Suite struct ParameterRulesTests {
    @Test(arguments: [
        ("k", nil, 10), ("k", "1", 1), ("k", "100", 100),
    ] as [(String, String?, Int)])
    func integersInRange(name: String, value: String?, expected: Int) throws {
        #expect(try ParameterRules.integer(name, value, default: 10, range: 1...100) == expected)
    }

    @Test(arguments: ["0", "101", "-1", "ten", "1.5", "", "99999999999999999999"])
    func integersOutOfRangeNameTheParameter(value: String) {
        do {
            _ = try ParameterRules.integer("k", value, default: 10, range: 1...100)
            Issue.record("\(value) was accepted")
        } catch {
            #expect(error.parameter == "k")
            #expect(error.status == .badRequest)
            #expect(error.message.contains("from 1 to 100"))
        }
    }

    @Test(arguments: [
        ("", "is required"), (String(repeating: "w", count: 201), "longer than 200"), ("a\u{0}b", "control characters"),
        ("line\u{1B}[31m", "control characters"),
    ])
    func badIdentifiersAreRefused(value: String, reason: String) {
        do {
            _ = try ParameterRules.identifier("world", value)
            Issue.record("\(value.debugDescription) was accepted")
        } catch {
            #expect(error.parameter == "world")
            #expect(error.message.contains(reason))
        }
    }

    @Test func goodIdentifiersPass() throws {
        #expect(try ParameterRules.identifier("world", "cindermoor") == "cindermoor")
        #expect(try ParameterRules.identifier("conceptID", "vell-the-lamplighter") == "vell-the-lamplighter")
        #expect(try ParameterRules.optionalIdentifier("world", nil) == nil)
    }
}

@Suite struct RateLimiterTests {
    private let second: UInt64 = 1_000_000_000

    @Test func aBurstIsAllowedThenRefusedWithRetryAfter() {
        let limit = RateLimit(perSecond: 2, burst: 3)
        var limiter = RateLimiter()
        let decisions = (0..<4).map { _ in limiter.admit("10.0.0.1", limit: limit, now: 0) }
        #expect(decisions == [.allowed, .allowed, .allowed, .limited(retryAfterSeconds: 1)])
    }

    @Test func tokensComeBackAtTheRate() {
        let limit = RateLimit(perSecond: 0.5, burst: 1)
        var limiter = RateLimiter()
        #expect(limiter.admit("a", limit: limit, now: 0) == .allowed)
        #expect(limiter.admit("a", limit: limit, now: second) == .limited(retryAfterSeconds: 1))
        #expect(limiter.admit("a", limit: limit, now: 2 * second) == .allowed)
        #expect(limiter.admit("a", limit: limit, now: 2 * second) == .limited(retryAfterSeconds: 2))
    }

    @Test func clientsHaveTheirOwnBuckets() {
        let limit = RateLimit(perSecond: 1, burst: 1)
        var limiter = RateLimiter()
        #expect(limiter.admit("a", limit: limit, now: 0) == .allowed)
        #expect(limiter.admit("b", limit: limit, now: 0) == .allowed)
        #expect(limiter.admit("a", limit: limit, now: 0) != .allowed)
    }

    @Test func idleClientsAreForgotten() {
        let limit = RateLimit(perSecond: 10, burst: 1)
        var limiter = RateLimiter(maxClients: 100)
        for client in 0..<100 { _ = limiter.admit("c\(client)", limit: limit, now: 0) }
        #expect(limiter.trackedClients == 100)
        _ = limiter.admit("late", limit: limit, now: 60 * second)
        #expect(limiter.trackedClients <= 1)
    }

    @Test func aFloodOfClientsStaysBounded() {
        let limit = RateLimit(perSecond: 1, burst: 1)
        var limiter = RateLimiter(maxClients: 1_000)
        for client in 0..<10_000 { _ = limiter.admit("c\(client)", limit: limit, now: 0) }
        #expect(limiter.trackedClients <= 1_000)
    }
}

@Suite struct SearchCacheTests {
    private func hits(_ document: String) -> [SearchHit] {
        [SearchHit(documentID: document, version: 1, ordinal: 0, title: document, worldID: nil, headingPath: [], text: "t",
                   score: 1, vectorRank: 1, cosineSimilarity: 0.5, textRank: nil, textScore: nil)]
    }

    @Test func anAnswerIsServedOnlyAtItsVersion() {
        var cache = SearchCache(capacity: 10)
        let query = SearchQuery(worldID: "w", text: "lamps", limit: 10)
        cache.store(hits("a"), for: query, version: "v1")
        #expect(cache.answer(query, version: "v1") == hits("a"))
        #expect(cache.answer(query, version: "v2") == nil)
        #expect(cache.answer(SearchQuery(worldID: "w", text: "lamps", limit: 5), version: "v1") == nil)
        #expect(cache.answer(SearchQuery(worldID: nil, text: "lamps", limit: 10), version: "v1") == nil)
    }

    @Test func aNewVersionDropsEveryOlderAnswer() {
        var cache = SearchCache(capacity: 10)
        for word in ["a", "b", "c"] { cache.store(hits(word), for: SearchQuery(worldID: nil, text: word), version: "v1") }
        cache.store(hits("d"), for: SearchQuery(worldID: nil, text: "d"), version: "v2")
        #expect(cache.count == 1)
        #expect(cache.answer(SearchQuery(worldID: nil, text: "a"), version: "v1") == nil)
    }

    @Test func theOldestAnswersGoFirstWhenFull() {
        var cache = SearchCache(capacity: 3)
        for index in 0..<10 { cache.store(hits("\(index)"), for: SearchQuery(worldID: nil, text: "\(index)"), version: "v") }
        #expect(cache.count == 3)
        #expect(cache.answer(SearchQuery(worldID: nil, text: "9"), version: "v") != nil)
        #expect(cache.answer(SearchQuery(worldID: nil, text: "6"), version: "v") == nil)
    }

    @Test func capacityZeroKeepsNothing() {
        var cache = SearchCache(capacity: 0)
        cache.store(hits("a"), for: SearchQuery(worldID: nil, text: "a"), version: "v")
        #expect(cache.count == 0)
    }
}
