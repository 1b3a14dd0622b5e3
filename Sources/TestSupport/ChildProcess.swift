import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An executable run as a child process for a test: stdout and stderr go to one log file (or stderr to its own, with
/// `separateStandardError`), standard input comes from a file or /dev/null, signals can be sent, and its exit is
/// awaited with a deadline. Terminated with SIGKILL on deinit if still running; its logs are removed then unless
/// ANNALS_KEEP_LOGS is set.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked Sendable: `exitStatus` is the only mutable state and every access holds `lock`.
    /// Process id.
    public let pid: pid_t
    /// What was run, for messages.
    public let commandLine: String
    /// File receiving the child's stdout, and its stderr unless `errorLogPath` is set.
    public let logPath: String
    /// File receiving the child's stderr when started with `separateStandardError`.
    public let errorLogPath: String?
    private let lock = NSLock()
    private var exitStatus: ExitStatus?

    /// How a child process ended.
    public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        public var description: String {
            switch self {
            case .exited(let code): "exited with status \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            }
        }
    }

    /// Starts `executable` with `arguments`; `environment` entries are added to (and override) this process's environment,
    /// and the variables named in `removingEnvironment` are left out. `standardInput` is a file to read as stdin.
    public init(executable: String, arguments: [String] = [], environment: [String: String] = [:],
                removingEnvironment: Set<String> = [], standardInput: String? = nil, separateStandardError: Bool = false,
                logPath: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSupportFailure("\(executable) is not an executable: run `swift build` first (or set ANNALS_BIN_DIR)")
        }
        let log = logPath ?? Self.temporaryPath(name: URL(fileURLWithPath: executable).lastPathComponent, suffix: ".log")
        self.logPath = log
        errorLogPath = separateStandardError ? log + ".stderr" : nil
        self.commandLine = ([executable] + arguments).joined(separator: " ")

        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        for name in removingEnvironment { merged[name] = nil }
        let argv = [executable] + arguments
        let envp = merged.map { "\($0.key)=\($0.value)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, standardInput ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errorLogPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorLogPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // Descriptors of the test process (sockets of the mock cluster, database connections) stay with it.
        Self.closeInheritedDescriptors(&actions)

        var child: pid_t = 0
        let result = Self.withCStrings(argv) { cArgv in
            Self.withCStrings(envp) { cEnvp in
                posix_spawn(&child, executable, &actions, nil, cArgv, cEnvp)
            }
        }
        guard result == 0 else {
            throw TestSupportFailure("cannot start \(commandLine): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    deinit {
        if status() == nil {
            _ = Glibc.kill(pid, SIGKILL)
            var raw: Int32 = 0
            _ = waitpid(pid, &raw, 0)
        }
        // Failure messages quote the log while the process object lives; ANNALS_KEEP_LOGS=1 keeps the files.
        if ProcessInfo.processInfo.environment["ANNALS_KEEP_LOGS"] == nil {
            try? FileManager.default.removeItem(atPath: logPath)
            if let errorLogPath { try? FileManager.default.removeItem(atPath: errorLogPath) }
        }
    }

    /// One of the package's built executables (`annals`, `annals-story-worker`), from `binDirectory`.
    /// Workers get `ANNALS_HTTP_PORT=0` (no HTTP endpoints) unless `environment` or `--http-port` says otherwise.
    public static func annals(_ name: String, arguments: [String] = [], environment: [String: String] = [:],
                              removingEnvironment: Set<String> = [], standardInput: String? = nil,
                              separateStandardError: Bool = false, logPath: String? = nil) throws -> ChildProcess {
        // Workers serve HTTP on a fixed default port: off unless a test asks for it, so parallel workers do not collide.
        try ChildProcess(executable: binDirectory + "/" + name, arguments: arguments,
                         environment: ["ANNALS_HTTP_PORT": "0"].merging(environment) { _, new in new },
                         removingEnvironment: removingEnvironment, standardInput: standardInput,
                         separateStandardError: separateStandardError, logPath: logPath)
    }

    /// Where the built executables are: `ANNALS_BIN_DIR`, else `<package>/.build/debug` derived from this file's path.
    public static var binDirectory: String {
        if let directory = ProcessInfo.processInfo.environment["ANNALS_BIN_DIR"], !directory.isEmpty { return directory }
        return packageRoot + "/.build/debug"
    }

    /// The package root: `ANNALS_ROOT`, else derived from this file's path (`<root>/Sources/TestSupport/…`).
    public static var packageRoot: String {
        if let root = ProcessInfo.processInfo.environment["ANNALS_ROOT"], !root.isEmpty { return root }
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/")
    }

    /// Sends `signal` (SIGKILL, SIGTERM, SIGSTOP, SIGCONT…); a no-op once the child has been reaped.
    public func kill(_ signal: Int32) throws {
        guard status() == nil else { return }
        guard Glibc.kill(pid, signal) == 0 else {
            throw TestSupportFailure("kill(\(pid), \(signal)): \(String(cString: strerror(errno)))")
        }
    }

    /// Stops the child with SIGSTOP and returns once it is stopped (`T` in /proc), so what it has written stays
    /// as it is until `kill(SIGCONT)` or `kill(SIGKILL)`.
    public func freeze() throws {
        try kill(SIGSTOP)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let state = stat.split(separator: ")").last?.dropFirst().first else { return }  // already gone
            if state == "T" || state == "t" || state == "Z" { return }
            Thread.sleep(forTimeInterval: 0.001)
        }
        throw TestSupportFailure("pid \(pid) did not stop within 10 s of SIGSTOP")
    }

    /// The exit status if the child has ended (reaping it), nil while it runs.
    public func status() -> ExitStatus? {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        guard result == pid else { return nil }
        let low = raw & 0x7f
        exitStatus = low == 0 ? .exited((raw >> 8) & 0xff) : .signaled(low)
        return exitStatus
    }

    /// Whether the child is still running.
    public var isRunning: Bool { status() == nil }

    /// Waits for the child to end; throws (leaving it running) if it has not ended within `timeout`.
    @discardableResult
    public func waitForExit(timeout: Duration) async throws -> ExitStatus {
        try await waitUntil(timeout: timeout, pollInterval: .milliseconds(20), description: "\(commandLine) to exit") {
            self.status() != nil
        }
        return status()!
    }

    /// Kills the child with SIGKILL if running and reaps it.
    public func terminate() async throws {
        try kill(SIGKILL)
        try await waitForExit(timeout: .seconds(30))
    }

    /// Everything the child wrote so far (to stdout only, when started with `separateStandardError`).
    public func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// What the child wrote to stderr so far, when started with `separateStandardError` (else "": see `log()`).
    public func errorLog() -> String {
        errorLogPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
    }

    /// The last `count` lines of the log, for failure messages.
    public func logTail(_ count: Int = 40) -> String {
        log().split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
    }

    /// A fresh path in the temporary directory.
    public static func temporaryPath(name: String, suffix: String = "") -> String {
        FileManager.default.temporaryDirectory.path + "/annals-\(name)-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))\(suffix)"
    }

    /// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+) is hidden from Swift's Glibc module: look it up.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
