import AsyncHTTPClient
import HTTPClientSupport
import NIOCore
import NIOHTTP1

/// Why a source did not answer.
public enum SourceError: Error, Equatable, CustomStringConvertible {
    case timedOut(url: String, after: Duration)
    case unreachable(url: String, detail: String)
    case status(url: String, code: Int)
    case tooLarge(url: String, limit: Int)

    public var description: String {
        switch self {
        case .timedOut(let url, let after): "\(url) did not answer within \(after)"
        case .unreachable(let url, let detail): "\(url) is unreachable: \(detail)"
        case .status(let url, let code): "\(url) answered HTTP \(code)"
        case .tooLarge(let url, let limit): "\(url) answered more than \(limit) bytes"
        }
    }
}

/// One HTTP exchange with a source, bounded by `timeout` from the first byte sent to the last byte received.
struct HTTPFetch: Sendable {
    let client: HTTPClient
    /// The most a source may answer: a metrics page of a few hundred series is tens of kilobytes.
    var byteLimit = 8 << 20

    struct Answer: Sendable {
        var status: Int
        var body: String
    }

    func fetch(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [],
               timeout: Duration) async throws(SourceError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "annals-metrics-agent")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let deadline = ContinuousClock.now + timeout
        do {
            let response = try await client.execute(request, deadline: .now() + TimeAmount(timeout))
            guard let bytes = try await response.body.collect(upTo: byteLimit, until: deadline) else {
                throw SourceError.timedOut(url: url, after: timeout)
            }
            return Answer(status: Int(response.status.code), body: String(buffer: bytes))
        } catch let error as SourceError {
            throw error
        } catch let error as HTTPClientError where Self.timeouts.contains(error) {
            throw .timedOut(url: url, after: timeout)
        } catch is NIOTooManyBytesError {
            throw .tooLarge(url: url, limit: byteLimit)
        } catch {
            throw .unreachable(url: url, detail: "\(error)")
        }
    }

    /// The body of a 200 answer, else the status as an error.
    func text(_ url: String, timeout: Duration) async throws(SourceError) -> String {
        let answer = try await fetch(url, timeout: timeout)
        guard answer.status == 200 else { throw .status(url: url, code: answer.status) }
        return answer.body
    }


    private static let timeouts: [HTTPClientError] = [
        .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout,
    ]
}
