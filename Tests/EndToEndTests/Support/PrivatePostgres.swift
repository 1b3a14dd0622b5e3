import Foundation
import TestSupport

/// A PostgreSQL server of its own for one test (so it can be stopped and started), run by `dev/postgres`
/// in a temporary data directory. (Stands in for TestSupport's `EmbeddedPostgres` from the postgres branch.)
final class PrivatePostgres: Sendable {
    let dataDirectory: String
    let port: Int
    /// URL of its `annals` database.
    let url: String

    private init(dataDirectory: String, port: Int, url: String) {
        self.dataDirectory = dataDirectory
        self.port = port
        self.url = url
    }

    static func start() async throws -> PrivatePostgres {
        let directory = ChildProcess.temporaryPath(name: "pg")
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<32_000)
            do {
                let url = try await script(["start", "--data", directory, "--port", String(port)])
                return PrivatePostgres(dataDirectory: directory, port: port, url: url)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestSupportFailure("could not start a private PostgreSQL")
    }

    /// Stops the server for good and removes its data.
    func destroy() async {
        _ = try? await Self.script(["stop", "--data", dataDirectory])
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    func start() async throws { _ = try await Self.script(["start", "--data", dataDirectory, "--port", String(port)]) }

    func stop() async throws { _ = try await Self.script(["stop", "--data", dataDirectory]) }

    /// Runs `dev/postgres`; returns the URL it prints last or throws with its output.
    /// (A ChildProcess, not Foundation's Process: in a process hosting librdkafka, Process.waitUntilExit was seen
    /// never to return, the script left as a zombie.)
    private static func script(_ arguments: [String]) async throws -> String {
        let process = try ChildProcess(executable: ChildProcess.packageRoot + "/dev/postgres", arguments: arguments)
        defer { try? FileManager.default.removeItem(atPath: process.logPath) }
        let status = try await process.waitForExit(timeout: .seconds(120))
        let text = process.log()
        guard status == .exited(0) else {
            throw TestSupportFailure("dev/postgres \(arguments.joined(separator: " ")) \(status):\n\(text)")
        }
        // Logs go to stderr, merged here; the URL is the last line.
        return text.split(separator: "\n").last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
    }
}
