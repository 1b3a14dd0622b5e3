import Foundation
import ReadAPI
import TestSupport
import Testing

/// The OpenAPI document in the repository is a valid OpenAPI 3.1 document (openapi-spec-validator), and
/// schemathesis, generating requests from it against the live server over the sample data, finds no 5xx and no
/// response that breaks it. Both tools come from the project's venv (`dev/setup` installs them).
@Suite(.serialized) struct OpenAPIConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let document = root.appendingPathComponent("Sources/ReadAPI/Resources/openapi.json").path
    static var venv: URL {
        ProcessInfo.processInfo.environment["ANNALS_VENV"].map { URL(fileURLWithPath: $0) } ?? root.appendingPathComponent(".venv")
    }

    @Test func theDocumentIsValidOpenAPI() async throws {
        let result = try await Self.run(Self.venv.appendingPathComponent("bin/python").path,
                                        ["-m", "openapi_spec_validator", Self.document])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func theServedDocumentIsTheRepositorysCopy() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_openapi_copy")
        defer { fixture.drop() }
        let api = try await APIServerHarness(conninfo: fixture.database.url)
        let served = try await api.get("/openapi.json").body
        await api.stop()
        #expect(served == (try String(contentsOfFile: Self.document, encoding: .utf8)))
    }

    /// With bearer tokens required, as a deployment behind a load balancer runs it: schemathesis sends one.
    @Test func schemathesisFindsNoServerErrorAndNoResponseOutsideTheDocument() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_schemathesis")
        defer { fixture.drop() }
        var settings = ReadAPISettings()
        settings.rateLimit = nil  // schemathesis sends hundreds of requests a second
        let token = "schemathesis-token-0123456789"
        settings.tokens = try APITokens(parsing: "schemathesis \(token)", source: "test")
        let api = try await APIServerHarness(conninfo: fixture.database.url, settings: settings)
        let result = try await Self.run(Self.venv.appendingPathComponent("bin/schemathesis").path, [
            "run", "http://127.0.0.1:\(api.port)/openapi.json", "--checks", "all", "--max-examples", "40", "--seed", "20261204",
            "--request-timeout", "20", "--header", "Authorization: Bearer \(token)",
        ])
        await api.stop()
        print(result.output.split(separator: "\n").suffix(25).joined(separator: "\n"))
        #expect(result.status == 0, "schemathesis found problems:\n\(result.output.suffix(6_000))")
        #expect(result.output.contains("Tested: 8"), "every operation was exercised")
    }

    /// Runs a program to its end off the cooperative pool; its status and its stdout and stderr together.
    static func run(_ program: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw TestSupportFailure("\(program) is missing: run dev/setup (it installs openapi-spec-validator and schemathesis into the venv)")
        }
        return try await onOwnThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            environment["NO_COLOR"] = "1"
            environment["SCHEMATHESIS_HOOKS"] = nil
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}
