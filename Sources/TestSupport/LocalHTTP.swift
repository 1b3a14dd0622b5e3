import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Plain HTTP/1.1 on 127.0.0.1 for probing a child process's endpoints, and free ports to give it.
public enum LocalHTTP {
    /// A port in 20000..<32000 that nothing listens on now, and that this process has not handed out before: tests
    /// running side by side once drew the same port, and the later one found it taken.
    public static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var address = loopback(port: port)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        throw TestSupportFailure("no free port between 20000 and 32000")
    }

    private static let handedOut = Mutex(Set<Int>())

    /// `GET path` on 127.0.0.1:`port` with `Connection: close`: the status code and body, or nil when nothing
    /// accepts the connection. Blocking: call it from `onOwnThread`.
    public static func get(port: Int, path: String) throws -> (status: Int, body: String)? {
        try response(port: port, path: path).map { ($0.status, $0.body) }
    }

    /// A response's status, headers (names lower-cased) and body.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }

    /// `GET path` as `get` does, sending `headers` too, with the response's headers; nil when nothing accepts the
    /// connection. Blocking.
    public static func response(port: Int, path: String, headers: [(name: String, value: String)] = []) throws -> Response? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportFailure("socket: errno \(errno)") }
        defer { close(fd) }
        // Long enough for an answer from a process sharing two loaded cores; a hung server still fails the test.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let extra = headers.map { "\($0.name): \($0.value)\r\n" }.joined()
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\(extra)\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw TestSupportFailure("sending to port \(port): errno \(errno)") }
            sent += count
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw TestSupportFailure("reading from port \(port): errno \(errno)") }
            response += buffer[..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let (status, body) = try parse(text)
        var headers: [String: String] = [:]
        for line in text[..<(text.range(of: "\r\n\r\n")?.lowerBound ?? text.endIndex)].split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Status and body of a whole response; handles `Content-Length` and chunked bodies.
    static func parse(_ response: String) throws -> (status: Int, body: String) {
        guard let split = response.range(of: "\r\n\r\n") else { throw TestSupportFailure("no header end in: \(response)") }
        let head = response[..<split.lowerBound].split(separator: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw TestSupportFailure("bad status line in: \(response)")
        }
        let raw = String(response[split.upperBound...])
        let chunked = head.dropFirst().contains { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }
        guard chunked else { return (status, raw) }
        var body = ""
        var rest = Substring(raw)
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let bytes = Array(rest[lineEnd.upperBound...].utf8)
            guard bytes.count >= size else { throw TestSupportFailure("truncated chunk in: \(response)") }
            body += String(decoding: bytes[..<size], as: UTF8.self)
            rest = Substring(String(decoding: bytes[size...], as: UTF8.self)).dropFirst(2)
        }
        return (status, body)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return address
    }
}
