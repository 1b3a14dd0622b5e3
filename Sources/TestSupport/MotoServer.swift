import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// moto's server (a local emulator of the AWS APIs, from PyPI) on a free port below the ephemeral range, from the
/// project venv, for one test. Stopped with SIGKILL when released. `pause()`/`resume()` freeze it (SIGSTOP/SIGCONT):
/// connections are still accepted by the kernel but nothing answers, like an endpoint that hangs.
public final class MotoServer: Sendable {
    /// The running server.
    public let process: ChildProcess
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public let endpoint: String

    /// The venv holding moto: ANNALS_VENV, else `<package>/.venv` (dev/setup creates it).
    public static var venv: String {
        ProcessInfo.processInfo.environment["ANNALS_VENV"].flatMap { $0.isEmpty ? nil : $0 } ?? ChildProcess.packageRoot + "/.venv"
    }

    /// `moto_server` of the venv if installed (looked up on disk, so deciding to skip starts nothing).
    public static var executable: String? {
        let path = venv + "/bin/moto_server"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Starts moto_server and waits until it accepts connections.
    public init(timeout: Duration = .seconds(30)) async throws {
        guard let executable = Self.executable else {
            throw TestSupportFailure("moto_server is not in \(Self.venv): run dev/setup (it installs moto[server] into the venv)")
        }
        port = try LocalHTTP.freePort()
        endpoint = "http://127.0.0.1:\(port)"
        process = try ChildProcess(executable: executable, arguments: ["-H", "127.0.0.1", "-p", String(port)],
                                   logPath: ChildProcess.temporaryPath(name: "moto", suffix: ".log"))
        try await waitUntil(timeout: timeout, pollInterval: .milliseconds(100), description: "moto_server on port \(port)") { [process, port] in
            if let status = process.status() { throw TestSupportFailure("moto_server \(status): \(process.logTail())") }
            return Self.accepts(port: port)
        }
    }

    /// Creates the S3 bucket `name` in us-east-1.
    public func createBucket(_ name: String) async throws {
        _ = try await python("""
            import os, sys, boto3
            boto3.client('s3', endpoint_url=os.environ['MOTO_ENDPOINT'], region_name='us-east-1', aws_access_key_id='test',
                         aws_secret_access_key='test').create_bucket(Bucket=sys.argv[1])
            """, arguments: [name])
    }

    /// Freezes the server: requests get no answer until `resume()`.
    public func pause() throws { try process.kill(SIGSTOP) }

    /// Lets a paused server answer again (including the requests that queued meanwhile).
    public func resume() throws { try process.kill(SIGCONT) }

    /// Runs `script` with `arguments` with the venv's python (boto3 comes with moto), `MOTO_ENDPOINT` set; returns its
    /// standard output, or throws with its error output if it fails.
    public func python(_ script: String, arguments: [String] = [], environment: [String: String] = [:],
                       timeout: Duration = .seconds(60)) async throws -> String {
        let path = ChildProcess.temporaryPath(name: "moto-script", suffix: ".py")
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var variables = environment
        variables["MOTO_ENDPOINT"] = endpoint
        let run = try ChildProcess(executable: Self.venv + "/bin/python", arguments: [path] + arguments, environment: variables,
                                   removingEnvironment: ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"],
                                   separateStandardError: true)
        let status = try await run.waitForExit(timeout: timeout)
        guard status == .exited(0) else { throw TestSupportFailure("python script \(status): \(run.errorLog())") }
        return run.log()
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return address
    }
}
