import Foundation
import ReadAPI
import TestSupport
import Testing

/// Which client a request is from: addresses, blocks and `X-Forwarded-For` read only through trusted proxies.
@Suite struct ClientAddressTests {
    private func address(_ text: String) throws -> IPAddress { try #require(IPAddress(text), "\(text)") }
    private func trusted(_ list: String) throws -> TrustedProxies { try TrustedProxies(parsing: list) }

    @Test func addressesParseInTheFormsProxiesWriteAndPrintCanonically() throws {
        #expect(try address("192.0.2.1").description == "192.0.2.1")
        #expect(try address(" 192.0.2.1:443 ").description == "192.0.2.1")
        #expect(try address("2001:DB8:0:0::1").description == "2001:db8::1")
        #expect(try address("[2001:db8::1]:8443").description == "2001:db8::1")
        #expect(try address("[2001:db8::1]").description == "2001:db8::1")
        #expect(try address("::ffff:192.0.2.7") == address("192.0.2.7"), "an IPv4-mapped address is its IPv4 address")
        for garbage in ["", "unknown", "192.0.2", "192.0.2.256", "2001:db8::1::2", "_hidden", "[2001:db8::1", String(repeating: "1", count: 200)] {
            #expect(IPAddress(garbage) == nil, "\(garbage)")
        }
    }

    @Test func blocksContainTheirAddressesOnly() throws {
        let v4 = try #require(CIDRBlock("10.1.0.0/16"))
        #expect(try v4.contains(address("10.1.255.3")) && !v4.contains(address("10.2.0.1")))
        #expect(try !v4.contains(address("::ffff:10.2.0.1")) && v4.contains(address("::ffff:10.1.0.9")))
        let v6 = try #require(CIDRBlock("2001:db8:aa::/48"))
        #expect(try v6.contains(address("2001:db8:aa:ff::1")) && !v6.contains(address("2001:db8:ab::1")))
        #expect(!v6.contains(try address("10.1.0.1")), "families never mix")
        #expect(CIDRBlock("10.0.3.7")?.description == "10.0.3.7/32")
        #expect(CIDRBlock("10.1.2.3/8")?.description == "10.0.0.0/8", "host bits are dropped")
        #expect(try #require(CIDRBlock("0.0.0.0/0")).contains(try address("203.0.113.9")))
        for bad in ["10.0.0.0/33", "2001:db8::/129", "10.0.0.0/-1", "10.0.0.0/x", "nonsense/8", "10.0.0.0/8/8"] {
            #expect(CIDRBlock(bad) == nil, "\(bad)")
        }
        #expect(throws: TrustedProxiesError.self) { try TrustedProxies(parsing: "10.0.0.0/16, subnet-1234") }
        #expect(try trusted(" 10.0.0.0/16 ,, 2001:db8::/32 ").blocks.count == 2)
    }

    @Test func anUntrustedPeerIsTheClientWhateverItsHeaderSays() throws {
        let peer = try address("198.51.100.20")
        #expect(ClientAddress.resolve(peer: peer, forwardedFor: ["203.0.113.5"], trusted: .none) == peer)
        #expect(ClientAddress.resolve(peer: peer, forwardedFor: ["203.0.113.5"], trusted: try trusted("10.0.0.0/8")) == peer)
    }

    @Test func throughTrustedProxiesTheRightmostUntrustedHopIsTheClient() throws {
        let proxies = try trusted("10.0.0.0/16, 2001:db8:ffff::/48")
        let balancer = try address("10.0.1.9")
        func resolve(_ headers: [String]) -> String? {
            ClientAddress.resolve(peer: balancer, forwardedFor: headers, trusted: proxies)?.description
        }
        #expect(resolve(["203.0.113.5"]) == "203.0.113.5")
        #expect(resolve(["1.1.1.1, 203.0.113.5"]) == "203.0.113.5", "what the client wrote at the left is never believed")
        #expect(resolve(["203.0.113.5, 10.0.2.2"]) == "203.0.113.5", "a trusted hop is skipped")
        #expect(resolve(["198.51.100.1", "203.0.113.5, 10.0.2.2"]) == "203.0.113.5", "several headers read as one list, in order")
        #expect(resolve(["2001:db8::1, 2001:db8:ffff::3"]) == "2001:db8::1")
        #expect(resolve(["spoofed, 203.0.113.5"]) == "203.0.113.5")
        #expect(resolve(["203.0.113.5, garbage"]) == "10.0.1.9", "a hop a trusted proxy wrote unreadably leaves its writer")
        #expect(resolve(["10.0.3.3, 10.0.2.2"]) == "10.0.3.3", "all trusted: the farthest")
        #expect(resolve([]) == "10.0.1.9", "no header: the proxy itself")
        let long = (0..<1_000).map { "203.0.\($0 % 250).1" }.joined(separator: ",") + ", 198.51.100.77"
        #expect(resolve([long]) == "198.51.100.77")
    }

    @Test func anIPv6ClientIsLimitedByItsSlash64() throws {
        #expect(ClientAddress.rateLimitKey(try address("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64")
        #expect(ClientAddress.rateLimitKey(try address("2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::/64")
        #expect(ClientAddress.rateLimitKey(try address("2001:db8:1:3::1")) == "2001:db8:1:3::/64")
        #expect(ClientAddress.rateLimitKey(try address("203.0.113.5")) == "203.0.113.5")
        #expect(ClientAddress.rateLimitKey(nil) == "unknown")
    }
}

/// The bearer tokens: the file's format, its errors (which never show a token), rotation and refusals.
@Suite struct APITokensTests {
    static let old = "0ld-storyteller-token-aaaaaaaa"
    static let new = "n3w-storyteller-token-bbbbbbbb"
    static let dashboard = "dashboard-token-cccccccccccc"
    static let file = """
        # name        token                           requests/s burst
        storyteller   \(old)
        storyteller   \(new)
        dashboard     \(dashboard)   1  2
        """

    @Test func bothTokensOfARotationAreAcceptedUnderOneName() throws {
        let tokens = try APITokens(parsing: Self.file, source: "tokens.txt")
        #expect(tokens.names == ["storyteller", "dashboard"])
        #expect(tokens.authenticate(["Bearer \(Self.old)"]) == .granted(name: "storyteller", limit: nil))
        #expect(tokens.authenticate(["bearer \(Self.new)"]) == .granted(name: "storyteller", limit: nil))
        #expect(tokens.authenticate(["Bearer \(Self.dashboard)"]) == .granted(name: "dashboard", limit: RateLimit(perSecond: 1, burst: 2)))
    }

    @Test func anythingElseIsRefusedSayingWhyButNeverEchoingTheToken() throws {
        let tokens = try APITokens(parsing: Self.file, source: "tokens.txt")
        #expect(tokens.authenticate([]) == .missing)
        for headers in [["Bearer \(Self.old)x"], ["Bearer \(Self.old.dropLast())"], ["Basic \(Self.old)"], [Self.old],
                        ["Bearer \(Self.old)", "Bearer \(Self.new)"], ["Bearer " + String(repeating: "a", count: 10_000)]] {
            guard case .invalid(let reason) = tokens.authenticate(headers) else {
                Issue.record("accepted \(headers.map { $0.prefix(40) })")
                continue
            }
            #expect(!reason.contains(Self.old) && !reason.contains("aaaaaaaa"), "\(reason)")
        }
    }

    @Test func badFilesAreRefusedNamingTheLineNotTheToken() throws {
        let secret = "s3cret-s3cret-s3cret"
        let cases: [(String, String)] = [
            ("a \(secret) 1 2 3", "tokens.txt:1: expected `name token"),
            ("just-a-name", "tokens.txt:1: expected"),
            ("a short", "tokens.txt:1: a's token must be 16"),
            ("a \(secret)\u{7f}", "tokens.txt:1: a's token must be"),
            ("bad/name \(secret)", "tokens.txt:1: the name must be"),
            ("a \(secret) fast", "tokens.txt:1: requests-per-second must be a positive number"),
            ("a \(secret) 5 0", "tokens.txt:1: burst must be"),
            ("a \(secret)\nb \(secret)", "tokens.txt:2: this token is also on an earlier line"),
            ("a \(secret) 5\na other-\(secret) 6", "tokens.txt:2: a has another line with a different rate limit"),
            ("# only a comment\n\n", "tokens.txt: no tokens"),
        ]
        for (text, expected) in cases {
            #expect {
                try APITokens(parsing: text, source: "tokens.txt")
            } throws: { error in
                "\(error)".hasPrefix(expected) && !"\(error)".contains(secret)
            }
        }
        #expect(try APITokens(parsing: "a \(secret) 5", source: "t").tokens.first?.limit == RateLimit(perSecond: 5, burst: 10),
                "a rate alone bursts to twice itself")
    }
}

/// The access rules on the running server, over the sample read side in a real PostgreSQL.
@Suite(.serialized) struct AccessEndpointTests {
    static let path = "/v1/scaling/capacity"

    private func statuses(_ api: APIServerHarness, _ headers: [[(name: String, value: String)]]) async throws -> [Int] {
        var statuses: [Int] = []
        for header in headers { statuses.append(try await api.get(Self.path, headers: header).status) }
        return statuses
    }

    private func forwarded(_ value: String) -> [(name: String, value: String)] { [("X-Forwarded-For", value)] }

    @Test func behindATrustedProxyEachForwardedClientHasItsOwnLimitAndASpoofFromElsewhereChangesNothing() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_forwarded")
        defer { fixture.drop() }
        var settings = ReadAPISettings()
        settings.rateLimit = RateLimit(perSecond: 0.01, burst: 2)

        // Not trusted (the default): the header is ignored, every request is 127.0.0.1's.
        let direct = try await APIServerHarness(conninfo: fixture.database.url, settings: settings)
        #expect(try await statuses(direct, [forwarded("203.0.113.1"), forwarded("203.0.113.2"), forwarded("203.0.113.3")]) == [200, 200, 429])
        await direct.stop()

        // The test client stands for the load balancer: trusted, so the header's right end is the client.
        settings.trustedProxies = try TrustedProxies(parsing: "127.0.0.1/32, 10.0.0.0/16")
        let behind = try await APIServerHarness(conninfo: fixture.database.url, settings: settings)
        #expect(try await statuses(behind, [forwarded("203.0.113.5"), forwarded("203.0.113.5")]) == [200, 200])
        let third = try await behind.get(Self.path, headers: forwarded("9.9.9.9, 203.0.113.5"))
        #expect(third.status == 429 && third.body.contains("203.0.113.5"), "a spoofed left end does not buy a new bucket: \(third.body)")
        #expect(try await statuses(behind, [forwarded("203.0.113.5, 10.0.4.4"), forwarded("203.0.113.6")]) == [429, 200],
                "a trusted hop is skipped; another client has its own bucket")
        #expect(try await statuses(behind, [forwarded("2001:db8:7:7::1"), forwarded("[2001:db8:7:7::2]:5000"),
                                            forwarded("2001:db8:7:7:ffff::3"), forwarded("2001:db8:7:8::1")]) == [200, 200, 429, 200],
                "IPv6 clients share their /64's bucket")
        await behind.stop()
    }

    @Test func withTokensEveryV1RequestNeedsOneAndEachNameHasItsOwnLimit() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_tokens")
        defer { fixture.drop() }
        var settings = ReadAPISettings()
        settings.rateLimit = RateLimit(perSecond: 0.01, burst: 5)
        settings.tokens = try APITokens(parsing: APITokensTests.file, source: "tokens.txt")
        let api = try await APIServerHarness(conninfo: fixture.database.url, settings: settings)
        func bearer(_ token: String) -> [(name: String, value: String)] { [("Authorization", "Bearer \(token)")] }

        let missing = try await api.get(Self.path)
        #expect(missing.status == 401 && missing.headers["www-authenticate"] == "Bearer realm=\"annals-api\"", "\(missing.headers)")
        #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(missing.body.utf8)).error.code == "unauthorized")
        let wrong = try await api.get(Self.path, headers: bearer(APITokensTests.old + "x"))
        #expect(wrong.status == 401 && wrong.headers["www-authenticate"] == "Bearer realm=\"annals-api\", error=\"invalid_token\"")
        #expect(!wrong.body.contains(APITokensTests.old), "\(wrong.body)")

        #expect(try await statuses(api, [bearer(APITokensTests.old), bearer(APITokensTests.new)]) == [200, 200], "both tokens of a rotation")
        #expect(try await statuses(api, [bearer(APITokensTests.dashboard), bearer(APITokensTests.dashboard), bearer(APITokensTests.dashboard)])
                == [200, 200, 429], "dashboard's own limit: 2 at once")
        #expect(try await api.get(Self.path, headers: bearer(APITokensTests.new)).status == 200, "storyteller's bucket is its own")
        for open in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/"] {
            #expect(try await api.get(open).status == 200, "\(open) needs no token")
        }
        // The refusals and the open pages spent 127.0.0.1's five requests: guessing is rate limited too.
        _ = try await statuses(api, [[], []])
        #expect(try await api.get(Self.path, headers: bearer("guess-guess-guess-guess")).status == 429)
        #expect(try await api.get("/metrics").body.contains("annals_api_unauthorized_total{reason=\"invalid\"}"))
        await api.stop()
    }
}
