import Dispatch
import ArgumentParser
import Foundation
import Kafka
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Resident memory of this process. Linux lets a process reset its high-water mark (`clear_refs` 5),
/// which gives a peak per phase; `ru_maxrss` follows the same mark, so the process peak is tracked here.
enum Memory {
    private nonisolated(unsafe) static var processPeakKiB: Int = 0

    /// getrusage(RUSAGE_SELF).ru_maxrss, in KiB on Linux.
    static func maxRSSKiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss)
    }

    /// Current RSS in KiB (VmRSS), nil when /proc is unavailable.
    static func currentKiB() -> Int? { status("VmRSS") }

    /// Starts a phase: remembers the peak so far, then resets the high-water mark. Returns whether it could reset.
    @discardableResult
    static func startPhase() -> Bool {
        processPeakKiB = max(processPeakKiB, maxRSSKiB())
        guard let file = fopen("/proc/self/clear_refs", "w") else { return false }
        defer { fclose(file) }
        return fputs("5", file) >= 0
    }

    /// Peak RSS since the phase started (the whole run when the mark cannot be reset).
    static func phasePeakKiB() -> Int {
        let peak = maxRSSKiB()
        processPeakKiB = max(processPeakKiB, peak)
        return peak
    }

    /// Peak RSS over the whole run.
    static func processPeak() -> Int {
        processPeakKiB = max(processPeakKiB, maxRSSKiB())
        return processPeakKiB
    }

    private static func status(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).filter(\.isNumber))
        }
        return nil
    }
}

/// Monotonic clock in seconds.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Runs blocking work (libpq, librdkafka consumer) on a dedicated thread, never on the cooperative pool.
func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// Progress on stderr, at most every half second.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var last: Double = 0
    private let label: String

    init(_ label: String) { self.label = label }

    func update(done: Int, total: Int, started: Double, force: Bool = false, unit: String = "events/s") {
        let t = now()
        lock.lock()
        defer { lock.unlock() }
        guard force || t - last >= 0.5 else { return }
        last = t
        let elapsed = t - started
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let line = "\r\(label): \(done)/\(total) (\(Int(Double(done) * 100 / Double(max(total, 1))))%) \(format(rate, 0)) \(unit)   "
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Fixed decimals without Foundation's locale formatting.
func format(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    if decimals == 0 { return String(Int(rounded)) }
    let whole = Int(rounded.magnitude)
    var fraction = String(Int(((rounded.magnitude - Double(whole)) * scale).rounded()))
    fraction = String(repeating: "0", count: max(0, decimals - fraction.count)) + fraction
    return (rounded < 0 ? "-" : "") + "\(whole).\(fraction)"
}

func mebibytes(_ kib: Int) -> String { format(Double(kib) / 1024, 0) + " MiB" }

func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return right ? fill + text : text + fill
}

/// What every bench does first: warnings only on stderr, and the scratch database from `--database-url`, else
/// `$DATABASE_URL`.
func benchStart(databaseURL: String?) throws -> String {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .warning
        return handler
    }
    guard let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
        throw ValidationError("no database: pass --database-url or set DATABASE_URL")
    }
    return url
}

/// The librdkafka mock broker keeps at most 5 MiB of messages per partition (`max_size`, hard-coded, no API) and
/// silently deletes the oldest beyond that: more partitions are the only way to hold a large backlog.
enum MockBroker {
    /// Bytes of records each partition is given: 4 of the mock's 5 MiB, leaving room for batch headers.
    static let partitionBudget = 4.0 * 1024 * 1024

    /// Partitions that hold `bytes` of records (value, key, headers and framing).
    static func partitions(holding bytes: Double) -> Int {
        max(1, Int((bytes / partitionBudget).rounded(.up)))
    }

    /// Honesty: every message produced to `topic`'s `partitions` is still there, `expected` in all.
    static func requireWholeBacklog(topic: String, partitions: Int, expected: Int, kafka: KafkaConfig) throws {
        let admin = try KafkaAdmin(config: kafka, logger: Logger(label: "annals.bench.admin"))
        var held: Int64 = 0
        for partition in 0..<partitions {
            let marks = try admin.watermarks(TopicPartition(topic: topic, partition: Int32(partition)))
            guard marks.low == 0 else {
                throw ValidationError("partition \(partition) lost its first \(marks.low) messages to the mock broker's size limit")
            }
            held += marks.high
        }
        guard held == Int64(expected) else { throw ValidationError("the broker holds \(held) messages, expected \(expected)") }
    }
}
