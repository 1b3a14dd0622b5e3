import Foundation

/// `dev/bedrock-stub.py` on a free port, from the project venv (botocore comes with moto), for one test: Bedrock's
/// InvokeModel for Titan Text Embeddings v2, checking every request's signature with botocore and its body, and
/// answering the scripted failures first. Stopped with SIGKILL when released.
public final class BedrockStub: Sendable {
    /// The running stub.
    public let process: ChildProcess
    public let port: Int
    /// `http://127.0.0.1:<port>`: the `--aws-endpoint` to give.
    public let endpoint: String

    /// One scripted answer: `status` with the error `code`, and `Retry-After` if given.
    public struct Failure: Encodable, Sendable {
        public var status: Int
        public var code: String
        public var retryAfter: String?
        public var message: String?

        public init(status: Int, code: String, retryAfter: String? = nil, message: String? = nil) {
            self.status = status
            self.code = code
            self.retryAfter = retryAfter
            self.message = message
        }
    }

    /// Starts the stub accepting `accessKeyID`/`secretAccessKey` in `region`, answering `script` to the first
    /// correctly signed requests and holding each request `delay` before answering; waits until it answers.
    public init(accessKeyID: String, secretAccessKey: String, region: String = "us-east-1", script: [Failure] = [],
                delay: Duration = .zero, timeout: Duration = .seconds(60)) async throws {
        let python = MotoServer.venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestSupportFailure("no python in \(MotoServer.venv): run dev/setup (its venv has botocore, which the stub needs)")
        }
        port = try LocalHTTP.freePort()
        endpoint = "http://127.0.0.1:\(port)"
        process = try ChildProcess(
            executable: python,
            arguments: [ChildProcess.packageRoot + "/dev/bedrock-stub.py", "--port", String(port),
                        "--access-key-id", accessKeyID, "--secret-access-key", secretAccessKey, "--region", region,
                        "--script", String(decoding: try JSONEncoder().encode(script), as: UTF8.self),
                        "--delay-ms", String(Int(delay / .milliseconds(1)))],
            logPath: ChildProcess.temporaryPath(name: "bedrock-stub", suffix: ".log"))
        try await waitUntil(timeout: timeout, pollInterval: .milliseconds(50), description: "the Bedrock stub on port \(port)") {
            [process, port] in
            if let status = process.status() { throw TestSupportFailure("Bedrock stub \(status): \(process.logTail())") }
            return try await onOwnThread { try LocalHTTP.get(port: port, path: "/_stub/seen") } != nil
        }
    }

    /// What the stub saw.
    public struct Seen: Decodable, Sendable {
        public struct Request: Decodable, Sendable {
            /// As it arrived, percent-encoded.
            public var path: String
            /// Seconds since the stub started.
            public var arrival: Double
            /// The text embedded; nil for a request refused or failed on purpose.
            public var text: String?
            /// The status answered; nil while the request is in flight.
            public var status: Int?
        }

        public var requests: [Request]
        public var mostInFlight: Int
    }

    /// Every request so far, in order of arrival.
    public func seen() async throws -> Seen {
        let port = port
        guard let (status, body) = try await onOwnThread({ try LocalHTTP.get(port: port, path: "/_stub/seen") }), status == 200 else {
            throw TestSupportFailure("GET /_stub/seen on the Bedrock stub failed: \(process.logTail())")
        }
        return try JSONDecoder().decode(Seen.self, from: Data(body.utf8))
    }

    /// The vectors the stub answers for `texts` at `dimension`, as a Bedrock embedder decodes them.
    public func vectors(for texts: [String], dimension: Int) async throws -> [[Float]] {
        let output = try await Self.python(
            "import importlib.util, json, sys\n"
                + "spec = importlib.util.spec_from_file_location('stub', sys.argv[1])\n"
                + "stub = importlib.util.module_from_spec(spec); spec.loader.exec_module(stub)\n"
                + "print(json.dumps([stub.unit_vector(text, int(sys.argv[2])) for text in json.loads(sys.argv[3])]))\n",
            arguments: [ChildProcess.packageRoot + "/dev/bedrock-stub.py", String(dimension),
                        String(decoding: try JSONEncoder().encode(texts), as: UTF8.self)])
        return try JSONDecoder().decode([[Double]].self, from: Data(output.utf8)).map { $0.map(Float.init) }
    }

    private static func python(_ script: String, arguments: [String]) async throws -> String {
        let run = try ChildProcess(executable: MotoServer.venv + "/bin/python", arguments: ["-c", script] + arguments,
                                   separateStandardError: true)
        let status = try await run.waitForExit(timeout: .seconds(60))
        guard status == .exited(0) else { throw TestSupportFailure("python \(status): \(run.errorLog())") }
        return run.log()
    }
}
