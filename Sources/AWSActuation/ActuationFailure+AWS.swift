import AWSSupport
import Scaling

extension ActuationFailure {
    /// An AWS call's failure as the actuation loop sees it: transient ones retried with backoff, rejected ones at the
    /// longest backoff. The one place AWS failures become actuation failures.
    init(_ failure: AWSFailure) {
        let kind: Kind = switch failure.kind {
        case .transient: .transient
        case .rejected: .rejected
        }
        self.init(kind, failure.message, code: failure.code, status: failure.status)
    }
}

extension AWSServiceClient {
    /// `post`, failing as the actuation loop expects.
    func actuate(headers: [(name: String, value: String)], body: [UInt8],
                 operation: String) async throws(ActuationFailure) -> Response {
        do throws(AWSFailure) {
            return try await post(headers: headers, body: body, operation: operation)
        } catch {
            throw ActuationFailure(error)
        }
    }
}
