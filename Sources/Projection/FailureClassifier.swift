import Kafka
import Postgres

/// What to do about an error met while completing, applying or committing a batch, or re-driving a dead letter.
public enum FailureVerdict: Equatable, Sendable {
    /// The same work may succeed later (the database unreachable, a deadlock, a service the projection needs timing
    /// out): keep the events, back off, try again. Nothing is dead-lettered.
    case retry
    /// An event's content caused it (the database refusing a value, the projection refusing the event): find the
    /// event and dead-letter it with the error as its reason; the others go on.
    case eventsFault
    /// Neither retrying nor dead-lettering fixes it (tables of another version, missing privileges, a broken
    /// statement): stop, saying why.
    case fatal
}

/// The one answer to "retry, dead-letter or stop?", used by the batch transaction, the runner (also during a
/// rebalance) and the dead-letter redrive.
public enum FailureClassifier {
    public static func verdict(for error: any Error) -> FailureVerdict {
        switch error {
        case is TransientFailure:
            .retry
        case let error as PostgresError:
            if error.isConnectionError || error.isTransactionRetryable {
                .retry
            } else if error.isCausedByData {
                .eventsFault
            } else {
                .fatal
            }
        case is RemediableError:
            // An error that tells the operator what to do is about the system (tables, replays), not an event.
            .fatal
        case let error as KafkaError:
            error.isRetriable && !error.isFatal ? .retry : .fatal
        default:
            // Any other error comes from a projection refusing what it was given (an unencodable payload, a document
            // it cannot embed): the event's fault. Were it a bug hitting every event, each would wait in the dead
            // letters for a fixed worker to re-drive it, none lost.
            .eventsFault
        }
    }
}

extension PostgresError {
    /// The data of some event broke a rule of the database: an invalid value (class 22), a constraint (23), a size
    /// limit (54), or a value libpq could not send.
    var isCausedByData: Bool {
        if code == .invalidValue { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("22") || sqlState.hasPrefix("23") || sqlState.hasPrefix("54")
    }
}
