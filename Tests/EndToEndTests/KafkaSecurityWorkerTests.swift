import Foundation
import Testing
import TestSupport

/// Issue 5: Kafka TLS and SASL settings reach librdkafka. The dev broker (librdkafka's mock cluster) speaks neither,
/// so what can be shown here is the client side: a worker configured for SASL or TLS tries it, fails against the
/// plaintext broker the way librdkafka reports it, stays alive and not ready, and stops cleanly; a setting
/// librdkafka refuses stops the worker at once, before it touches the database.
@Suite("Kafka security settings", .timeLimit(.minutes(3)))
struct KafkaSecurityWorkerTests {
    static let password = "scram-pa55word-never-logged"

    @Test(arguments: [
        (["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=SCRAM-SHA-256", "sasl.username=annals", "sasl.password=\(password)"],
         "SASL Handshake not supported by broker (required by mechanism SCRAM-SHA-256)"),
        (["security.protocol=SSL"], "SSL handshake failed"),
    ])
    func aWorkerSpeakingSASLOrTLSToAPlaintextBrokerStaysUpNotReadyAndSaysWhy(_ properties: [String], _ failure: String) async throws {
        let stack = try StoryStack(name: "kafka_security")
        defer { stack.tearDown() }
        try await StoryEventGenerator(worlds: 2, prefix: "kafka-security").publish(0..<10, with: stack.producer)
        let port = try LocalHTTP.freePort()
        let worker = try stack.startWorker(
            group: TestKafkaCluster.uniqueGroupID("kafka-security"),
            extraArguments: ["--http-port", String(port), "--http-host", "127.0.0.1"] + properties.flatMap { ["-X", $0] })
        defer { _ = try? worker.kill(SIGKILL) }

        try await waitUntil(timeout: .seconds(90), pollInterval: .milliseconds(100), description: "the worker to log \(failure)") {
            if let exit = worker.status() { throw TestSupportFailure("worker \(exit): \(worker.logTail())") }
            return worker.log().contains(failure)
        }
        let ready = try await StoryStack.blocking { try LocalHTTP.get(port: port, path: "/readyz") }
        #expect(ready?.status == 503, "\(String(describing: ready))")
        #expect(ready?.body.contains("\"partitions\"") == true, "\(String(describing: ready))")
        #expect(worker.isRunning)
        #expect(try await stack.checkpointTotal() == 0)

        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(60)) == .exited(0), "\(worker.logTail())")
        #expect(!worker.log().contains(Self.password), "the SASL password must never be logged")
    }

    @Test func aSettingLibrdkafkaRefusesStopsTheWorkerBeforeItTouchesTheDatabase() async throws {
        // Nothing listens on port 1: a worker that reached for the database would retry, not exit.
        let worker = try ChildProcess.annals("annals-story-worker", arguments: [
            "--brokers", "127.0.0.1:1", "--database-url", "postgres://annals@127.0.0.1:1/annals",
            "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanism=NOPE", "-X", "sasl.username=annals",
            "-X", "sasl.password=\(Self.password)",
        ])
        defer { _ = try? worker.kill(SIGKILL) }
        let status = try await worker.waitForExit(timeout: .seconds(60))
        #expect(status != .exited(0))
        let log = worker.log()
        #expect(log.contains("librdkafka refused the Kafka settings") && log.contains("Unsupported SASL mechanism: NOPE"), "\(log)")
        #expect(!log.contains("database"), "\(log)")
        #expect(!log.contains(Self.password), "\(log)")
    }
}
