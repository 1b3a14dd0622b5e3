@testable import AnnalsCLI
import Testing

/// Every worker's HTTP port: the flag, then `ANNALS_HTTP_PORT`, then 9464; 0 turns the endpoints off.
@Suite struct WorkerOptionsTests {
    static func port(_ arguments: [String], environment: [String: String] = [:]) throws -> Int {
        try WorkerOptions.parse(arguments).effectiveHTTPPort(environment: environment)
    }

    @Test func withNothingGivenTheEndpointsAreOn9464() throws {
        #expect(try Self.port([]) == 9464)
    }

    @Test func theFlagWinsOverTheEnvironment() throws {
        #expect(try Self.port(["--http-port", "20100"], environment: ["ANNALS_HTTP_PORT": "0"]) == 20100)
        #expect(try Self.port([], environment: ["ANNALS_HTTP_PORT": "0"]) == 0)
        #expect(try Self.port([], environment: ["ANNALS_HTTP_PORT": "9100"]) == 9100)
    }

    @Test func aPortOutsideTheRangeSaysWhatToUse() {
        #expect(throws: CLIError.self) { try Self.port(["--http-port", "70000"]) }
        #expect(throws: CLIError.self) { try Self.port([], environment: ["ANNALS_HTTP_PORT": "ninety"]) }
        do {
            _ = try Self.port(["--http-port=-1"])
            Issue.record("port -1 accepted")
        } catch {
            #expect("\(error)".contains("use 1-65535, or 0 to turn HTTP off"))
        }
    }
}
