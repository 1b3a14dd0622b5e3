import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A TCP proxy in front of PostgreSQL that, once armed, forwards the client's next `COMMIT` to the server, swallows
/// the server's answer and cuts the connection: the transaction commits but the client only sees the connection
/// drop (the "commit unknown" case). Plain TCP only (connect with `sslmode=disable`). Each connection is served by
/// two threads of its own; `close()` stops accepting and cuts every connection.
public final class CommitDroppingProxy: Sendable {
    /// The port clients connect to, on 127.0.0.1.
    public let port: Int
    private let listener: Int32
    private let upstreamPort: Int
    private let armed = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    /// Open connection sockets, and whether the proxy is closed. Sockets are shut down and closed only under this
    /// lock, and the listener once: a descriptor closed twice may by then be another part of the process's.
    private let sockets = Mutex<(open: Set<Int32>, closed: Bool)>(([], false))

    /// Listens on an ephemeral loopback port and forwards to `upstreamPort` on 127.0.0.1.
    public init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            Glibc.close(fd)
            throw TestSupportError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    /// Drop the connection after the next `COMMIT` any client sends (once per call).
    public func dropAfterNextCommit() {
        armed.add(1, ordering: .sequentiallyConsistent)
    }

    /// How many commits were forwarded and then cut off.
    public var droppedCommits: Int { dropped.load(ordering: .sequentiallyConsistent) }

    /// Stops accepting and cuts every open connection.
    public func close() {
        sockets.withLock { sockets in
            guard !sockets.closed else { return }
            sockets.closed = true
            shutdown(listener, Int32(SHUT_RDWR))
            Glibc.close(listener)
            for fd in sockets.open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    deinit { close() }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                Glibc.close(client)
                Glibc.close(server)
                continue
            }
            let accepted = sockets.withLock { sockets -> Bool in
                guard !sockets.closed else { return false }
                sockets.open.formUnion([client, server])
                return true
            }
            guard accepted else {
                Glibc.close(client)
                Glibc.close(server)
                return
            }
            let cut = CutFlag()
            Thread { [self] in clientToServer(client, server, cut: cut) }.start()
            Thread { [self] in serverToClient(server, client, cut: cut) }.start()
        }
    }

    private static let commit = Array("COMMIT".utf8)

    /// Forwards the client's bytes; a `COMMIT` while armed is forwarded, then the connection is cut as soon as the
    /// server has answered it (the answer never reaches the client).
    private func clientToServer(_ client: Int32, _ server: Int32, cut: CutFlag) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { break }
            let chunk = buffer[0..<count]
            let isCommit = Self.contains(chunk, Self.commit)
            if isCommit, armed.load(ordering: .sequentiallyConsistent) > 0 {
                armed.subtract(1, ordering: .sequentiallyConsistent)
                cut.value.store(true, ordering: .sequentiallyConsistent)
                _ = chunk.withUnsafeBytes { write(server, $0.baseAddress, count) }
                // serverToClient sees `cut`, reads the answer and closes both ends.
                return
            }
            let written = chunk.withUnsafeBytes { write(server, $0.baseAddress, count) }
            guard written == count else { break }
        }
        // Wakes serverToClient, which closes both; unless it already has (then the numbers may be reused).
        sockets.withLock { sockets in
            guard sockets.open.contains(server) else { return }
            shutdown(server, Int32(SHUT_RDWR))
            shutdown(client, Int32(SHUT_RDWR))
        }
    }

    private func serverToClient(_ server: Int32, _ client: Int32, cut: CutFlag) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(server, &buffer, buffer.count)
            if cut.value.load(ordering: .sequentiallyConsistent) {
                // The server answered the COMMIT (or went away): the client never hears of it.
                if count > 0 { dropped.add(1, ordering: .sequentiallyConsistent) }
                break
            }
            guard count > 0 else { break }
            let written = buffer.withUnsafeBytes { write(client, $0.baseAddress, count) }
            guard written == count else { break }
        }
        sockets.withLock { sockets in
            shutdown(server, Int32(SHUT_RDWR))
            shutdown(client, Int32(SHUT_RDWR))
            Glibc.close(server)
            Glibc.close(client)
            sockets.open.subtract([server, client])
        }
    }

    private static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        var index = haystack.startIndex
        while index <= haystack.endIndex - needle.count {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}

/// Set once a connection's COMMIT was forwarded: its answer must not reach the client.
private final class CutFlag: Sendable {
    let value = Atomic<Bool>(false)
}
