import Foundation

/// A private PostgreSQL server for one test, run by `dev/postgres` in a temporary data directory; stopped and removed on deinit.
public final class EmbeddedPostgres: Sendable {
    /// The server's data directory (a fresh temporary directory).
    public let dataDirectory: String
    /// The TCP port on 127.0.0.1.
    public let port: Int
    /// URL of the `annals` database on this server.
    public let url: String
    /// With `tls`, the CA that signed the server's certificate (for localhost and 127.0.0.1): pass it as sslrootcert.
    public let certificateAuthority: String?

    /// Initialises and starts a server on a free port; with `tls`, one that also accepts TLS (`dev/postgres --tls`).
    public init(tls: Bool = false) throws {
        let directory = FileManager.default.temporaryDirectory.path + "/annals-pg-" + Self.randomSuffix()
        var lastError: Error?
        // The port is picked at random: another process may take it first, so try a few.
        for _ in 0..<5 {
            let candidate = Int.random(in: 20_000..<32_000)
            do {
                let output = try Self.runScript(["start", "--data", directory, "--port", String(candidate)] + (tls ? ["--tls"] : []))
                dataDirectory = directory
                port = candidate
                url = output
                certificateAuthority = tls ? directory + "/tls/ca.crt" : nil
                return
            } catch {
                lastError = error
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw lastError ?? TestSupportError("could not start an embedded PostgreSQL")
    }

    deinit {
        try? stop()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// Starts the server again on the same data directory and port (no-op when running).
    public func start() throws {
        _ = try Self.runScript(["start", "--data", dataDirectory, "--port", String(port)])
    }

    /// Stops the server (fast shutdown: open connections are closed); no-op when stopped.
    public func stop() throws {
        _ = try Self.runScript(["stop", "--data", dataDirectory])
    }

    /// The repository root: `ANNALS_ROOT`, else derived from this file's path.
    public static var repositoryRoot: String {
        if let root = ProcessInfo.processInfo.environment["ANNALS_ROOT"], !root.isEmpty { return root }
        // <root>/Sources/TestSupport/EmbeddedPostgres.swift
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/")
    }

    private static func randomSuffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// Runs `dev/postgres` with arguments; returns its trimmed stdout or throws with its stderr.
    @discardableResult
    static func runScript(_ arguments: [String]) throws -> String {
        let script = repositoryRoot + "/dev/postgres"
        guard FileManager.default.isExecutableFile(atPath: script) else {
            throw TestSupportError("\(script) not found or not executable; set ANNALS_ROOT to the repository root")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = arguments
        let output = Pipe()
        // stderr goes to a file: a full pipe nobody reads would block the script.
        let errorPath = FileManager.default.temporaryDirectory.path + "/annals-pg-stderr-" + randomSuffix()
        guard FileManager.default.createFile(atPath: errorPath, contents: nil),
            let errorFile = FileHandle(forWritingAtPath: errorPath)
        else {
            throw TestSupportError("cannot create \(errorPath)")
        }
        defer {
            try? errorFile.close()
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        process.standardOutput = output
        process.standardError = errorFile
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stdout = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw TestSupportError(
                "dev/postgres \(arguments.joined(separator: " ")) exited with \(process.terminationStatus):\n\(stderr)")
        }
        return stdout
    }
}
