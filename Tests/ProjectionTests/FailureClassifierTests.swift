import Kafka
import Postgres
import Projection
import Testing

/// The one answer to "retry, dead-letter or stop?", as the batch transaction, the runner (also inside a rebalance)
/// and the dead-letter redrive all ask it.
@Suite struct FailureClassifierTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var error: any Error & Sendable
        var verdict: FailureVerdict
        var testDescription: String { name }
    }

    struct ProjectionRefusal: Error {}

    static func server(_ sqlState: String) -> PostgresError {
        PostgresError(.server, message: "refused", sqlState: sqlState)
    }

    static let cases: [Case] = [
        Case(name: "a model timing out (TransientFailure)", error: TransientFailure("embedder timed out"), verdict: .retry),
        Case(name: "connection refused", error: PostgresError(.connectionFailed, message: "refused"), verdict: .retry),
        Case(name: "connection lost mid-commit", error: PostgresError(.connectionLost, message: "eof"), verdict: .retry),
        Case(name: "admin shutdown 57P01", error: server("57P01"), verdict: .retry),
        Case(name: "connection exception class 08", error: server("08006"), verdict: .retry),
        Case(name: "serialization failure 40001", error: server("40001"), verdict: .retry),
        Case(name: "deadlock 40P01", error: server("40P01"), verdict: .retry),
        Case(name: "invalid text representation 22P02", error: server("22P02"), verdict: .eventsFault),
        Case(name: "NUL in text 22021", error: server("22021"), verdict: .eventsFault),
        Case(name: "check violation 23514", error: server("23514"), verdict: .eventsFault),
        Case(name: "program limit (index row too big) 54000", error: server("54000"), verdict: .eventsFault),
        Case(name: "a value libpq cannot send", error: PostgresError(.invalidValue, message: "bad"), verdict: .eventsFault),
        Case(name: "the projection refusing an event", error: ProjectionRefusal(), verdict: .eventsFault),
        Case(name: "permission denied 42501", error: server("42501"), verdict: .fatal),
        Case(name: "undefined table 42P01", error: server("42P01"), verdict: .fatal),
        Case(name: "tables of another version",
             error: ProjectionError.versionMismatch(projection: "story", tables: 2, code: 1), verdict: .fatal),
        Case(name: "a retriable Kafka error", error: KafkaError(code: -185, message: "timed out", isRetriable: true),
             verdict: .retry),
        Case(name: "a fatal Kafka error", error: KafkaError(code: -150, message: "fenced", isFatal: true), verdict: .fatal),
    ]

    @Test(arguments: cases)
    func verdict(_ example: Case) {
        #expect(FailureClassifier.verdict(for: example.error) == example.verdict)
    }
}

/// Cooperative rebalancing is refused at start-up, saying why: a fenced batch settled inside an incremental rebalance
/// would drop the pending messages of partitions the worker keeps, and nothing would read them again.
@Suite struct AssignmentStrategyTests {
    @Test(arguments: ["cooperative-sticky", "range,cooperative-sticky", "COOPERATIVE-STICKY"])
    func cooperativeRebalancingIsRefused(_ strategy: String) {
        let refusal = ProjectionRunner.refusal(of: KafkaConfig(brokers: "b:9092", properties: ["partition.assignment.strategy": strategy]))
        #expect(refusal == .cooperativeRebalancing(strategy: strategy))
        #expect(refusal?.description.contains("Use range or roundrobin") == true)
    }

    @Test(arguments: [nil, "range", "roundrobin", "range,roundrobin"] as [String?])
    func eagerStrategiesAreTaken(_ strategy: String?) {
        let properties = strategy.map { ["partition.assignment.strategy": $0] } ?? [:]
        #expect(ProjectionRunner.refusal(of: KafkaConfig(brokers: "b:9092", properties: properties)) == nil)
    }
}
