import AsyncHTTPClient
import HTTPClientSupport
import Foundation
import Logging
import NIOCore

/// Where each signed request gets its credentials: a fixed key from the environment, or the temporary credentials
/// of the ECS task role from the container credentials endpoint, cached and fetched again before they expire.
public struct AWSCredentialsProvider: Sendable, CustomStringConvertible {
    enum Source: Sendable {
        case fixed(AWSCredentials)
        case container(ContainerCredentialsSource)
    }

    let source: Source

    /// How long before they expire task role credentials are fetched again, in minutes.
    public static let renewalLeadMinutes = Int(CredentialCache.defaultRefreshWindow / 60)

    /// Always `credentials`.
    public static func fixed(_ credentials: AWSCredentials) -> AWSCredentialsProvider {
        AWSCredentialsProvider(source: .fixed(credentials))
    }

    /// The credentials `endpoint` serves, each fetch waiting at most `timeout`.
    public static func container(_ endpoint: ContainerCredentialsEndpoint, timeout: Duration, httpClient: HTTPClient = .shared,
                                 logger: Logger) -> AWSCredentialsProvider {
        AWSCredentialsProvider(source: .container(ContainerCredentialsSource(endpoint: endpoint, timeout: timeout,
                                                                              httpClient: httpClient, logger: logger)))
    }

    /// The standard order of the AWS SDKs, as far as a container goes: `AWS_ACCESS_KEY_ID` (with
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) if set; else the container credentials endpoint if
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI` is set; else an error naming what to set.
    public static func fromEnvironment(_ environment: [String: String], timeout: Duration, httpClient: HTTPClient = .shared,
                                       logger: Logger) throws(AWSSettingsError) -> AWSCredentialsProvider {
        let keyID = environment["AWS_ACCESS_KEY_ID"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if keyID.isEmpty, let endpoint = try ContainerCredentialsEndpoint.fromEnvironment(environment) {
            return .container(endpoint, timeout: timeout, httpClient: httpClient, logger: logger)
        }
        return .fixed(try AWSCredentials.fromEnvironment(environment))
    }

    /// The credentials to sign a request made at `now` with.
    public func current(at now: Date = Date()) async throws(AWSFailure) -> AWSCredentials {
        switch source {
        case .fixed(let credentials): return credentials
        case .container(let container): return try await container.credentials(at: now)
        }
    }

    /// After AWS refused a request signed with `used` for its credentials: newer credentials to send it again with,
    /// or nil when there are none (a fixed key, or the endpoint still serves the same ones).
    public func renewed(afterRefusalOf used: AWSCredentials, at now: Date = Date()) async -> AWSCredentials? {
        switch source {
        case .fixed: return nil
        case .container(let container): return await container.renewed(afterRefusalOf: used, at: now)
        }
    }

    /// What to check when AWS refuses a call for its credentials or permissions.
    public var credentialAdvice: String {
        switch source {
        case .fixed:
            return AWSErrorResponse.environmentCredentialAdvice
        case .container:
            return "check that the task role may make this call on this resource (its credentials come from the container "
                + "credentials endpoint), the region, and that this machine's clock is right"
        }
    }

    /// The source, secrets redacted.
    public var description: String {
        switch source {
        case .fixed(let credentials):
            return "environment: \(credentials)"
        case .container(let container):
            return "container credentials endpoint (task role): \(container.endpoint), refreshed "
                + "\(Self.renewalLeadMinutes) minutes before they expire"
        }
    }
}

/// The cache of the container credentials and their fetching; one fetch at a time, shared by the requests waiting.
actor ContainerCredentialsSource {
    let endpoint: ContainerCredentialsEndpoint
    let timeout: Duration
    private let httpClient: HTTPClient
    private let logger: Logger
    private var cache = CredentialCache()
    private var fetching: Task<Result<TemporaryCredentials, AWSFailure>, Never>?
    /// Credentials bodies are a few hundred bytes.
    private static let responseByteLimit = 64 * 1024

    init(endpoint: ContainerCredentialsEndpoint, timeout: Duration, httpClient: HTTPClient, logger: Logger) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.httpClient = httpClient
        self.logger = logger
    }

    func credentials(at now: Date) async throws(AWSFailure) -> AWSCredentials {
        switch cache.action(at: now) {
        case .use(let credentials):
            return credentials
        case .fetch(let fallback):
            switch await fetchOnce() {
            case .success(let fetched):
                return fetched.credentials
            case .failure(let failure):
                guard let fallback else { throw failure }
                logger.warning("could not renew the AWS credentials; signing with the current ones until they expire",
                               metadata: ["error": "\(failure.message)", "credentials": "\(cache.current.map { "\($0)" } ?? "?")"])
                return fallback
            }
        }
    }

    func renewed(afterRefusalOf used: AWSCredentials, at now: Date) async -> AWSCredentials? {
        cache.refused(accessKeyID: used.accessKeyID)
        guard let fresh = try? await credentials(at: now), fresh != used else { return nil }
        return fresh
    }

    /// Joins the fetch under way, or starts one; the cache takes what it brings.
    private func fetchOnce() async -> Result<TemporaryCredentials, AWSFailure> {
        if let fetching { return await fetching.value }
        let task = Task { [endpoint, timeout, httpClient] in
            await Self.fetch(endpoint, timeout: timeout, httpClient: httpClient)
        }
        fetching = task
        let result = await task.value
        fetching = nil
        if case .success(let fetched) = result {
            if fetched.credentials.accessKeyID != cache.current?.credentials.accessKeyID {
                logger.info("fetched AWS credentials from the container credentials endpoint", metadata: ["credentials": "\(fetched)"])
            }
            cache.received(fetched)
        }
        return result
    }

    /// One GET of the endpoint, with its `Authorization` header.
    static func fetch(_ endpoint: ContainerCredentialsEndpoint, timeout: Duration,
                      httpClient: HTTPClient) async -> Result<TemporaryCredentials, AWSFailure> {
        let place = "the container credentials endpoint \(endpoint.description)"
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "annals")
        switch endpoint.authorization {
        case .none:
            break
        case .token(let token):
            request.headers.add(name: "Authorization", value: token)
        case .tokenFile(let path):
            let token: String
            do {
                token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                return .failure(AWSFailure(.rejected, "AWS credentials: cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE "
                    + "\(path) (\(error.localizedDescription)): check that the file exists and is readable"))
            }
            guard !token.isEmpty, ContainerCredentialsEndpoint.isHeaderSafe(token) else {
                return .failure(AWSFailure(.rejected, "AWS credentials: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(path) is "
                    + "empty or holds more than one line"))
            }
            request.headers.add(name: "Authorization", value: token)
        }
        let deadline = ContinuousClock.now + timeout
        let status: Int
        let body: [UInt8]
        do {
            let response = try await httpClient.execute(request, deadline: .now() + TimeAmount(timeout))
            guard let bytes = try await response.body.collect(upTo: responseByteLimit, until: deadline) else {
                return .failure(AWSFailure(.transient, "AWS credentials: the answer of \(place) did not finish within \(timeout); retrying"))
            }
            status = Int(response.status.code)
            body = Array(bytes.readableBytesView)
        } catch let error as HTTPClientError where AWSServiceClient.timeouts.contains(error) {
            return .failure(AWSFailure(.transient, "AWS credentials: no answer from \(place) within \(timeout); retrying"))
        } catch is NIOTooManyBytesError {
            return .failure(AWSFailure(.transient, "AWS credentials: the answer of \(place) is larger than \(responseByteLimit) bytes"))
        } catch {
            return .failure(AWSFailure(.transient, "AWS credentials: cannot reach \(place) (\(error)): check that the worker "
                + "runs in an ECS task with a task role, or unset AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI; retrying"))
        }
        do {
            return .success(try TemporaryCredentials.parse(status: status, body: body))
        } catch {
            let kind: AWSFailure.Kind = if case .refused(let status, _, _) = error, status >= 500 || status == 429 {
                .transient
            } else {
                .rejected
            }
            let advice = if case .refused = error {
                "check the task role, and AWS_CONTAINER_AUTHORIZATION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE if the endpoint needs one"
            } else {
                "is AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI the credentials endpoint?"
            }
            return .failure(AWSFailure(kind, "AWS credentials: \(place) \(error): \(advice)", status: status))
        }
    }
}
