import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as its bytes (4 or 16). An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is its IPv4
/// address, so that one client has one form whichever way it arrived.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Parses `192.0.2.1`, `2001:db8::1`, and the forms proxies write with a port: `192.0.2.1:443`, `[2001:db8::1]:443`
    /// (brackets alone too); nil for anything else.
    public init?(_ text: some StringProtocol) {
        var address = Substring(text).drop { $0 == " " || $0 == "\t" }
        while let last = address.last, last == " " || last == "\t" { address = address.dropLast() }
        guard !address.isEmpty, address.utf8.count <= 64 else { return nil }
        if address.first == "[" {
            guard let close = address.firstIndex(of: "]") else { return nil }
            address = address[address.index(after: address.startIndex)..<close]
        } else if address.filter({ $0 == ":" }).count == 1 {
            address = address.prefix { $0 != ":" }
        }
        let plain = String(address)
        var v4 = in_addr()
        if inet_pton(AF_INET, plain, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, plain, &v6) == 1 else { return nil }
        let raw = withUnsafeBytes(of: &v6) { Array($0) }
        bytes = raw[0..<10].allSatisfy({ $0 == 0 }) && raw[10] == 0xff && raw[11] == 0xff ? Array(raw[12...]) : raw
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The first `prefixLength` bits, the rest zero.
    public func masked(to prefixLength: Int) -> IPAddress {
        IPAddress(bytes: bytes.enumerated().map { index, byte in
            let bits = min(max(prefixLength - index * 8, 0), 8)
            return bits == 8 ? byte : byte & ~(UInt8(0xff) >> bits)
        })
    }

    /// The canonical text: dotted quad, or RFC 5952 IPv6 (`2001:db8::1`).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        var copy = bytes
        let family = isIPv4 ? AF_INET : AF_INET6
        guard inet_ntop(family, &copy, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An address block: `10.0.0.0/16`, `2001:db8::/32`, or one address (`10.0.3.7` is `10.0.3.7/32`).
public struct CIDRBlock: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress(parts[0]) else { return nil }
        let bits = address.bytes.count * 8
        let length: Int
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...bits).contains(given) else { return nil }
            length = given
        } else {
            length = bits
        }
        network = address.masked(to: length)
        prefixLength = length
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.bytes.count == network.bytes.count && address.masked(to: prefixLength) == network
    }

    public var description: String { "\(network)/\(prefixLength)" }
}

/// The proxies whose `X-Forwarded-For` annals-api believes (`--trusted-proxies`): behind a load balancer, its
/// subnets. Empty by default: then the header is ignored and the client is the connection's peer.
public struct TrustedProxies: Sendable, Equatable {
    public let blocks: [CIDRBlock]

    public static let none = TrustedProxies(blocks: [])

    public init(blocks: [CIDRBlock]) { self.blocks = blocks }

    /// Parses a comma-separated list of blocks; throws naming the first that is not one.
    public init(parsing list: String) throws(TrustedProxiesError) {
        var blocks: [CIDRBlock] = []
        for entry in list.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard let block = CIDRBlock(trimmed) else { throw TrustedProxiesError(entry: trimmed) }
            blocks.append(block)
        }
        self.blocks = blocks
    }

    public func contains(_ address: IPAddress) -> Bool { blocks.contains { $0.contains(address) } }
}

/// A `--trusted-proxies` entry that is not an address block.
public struct TrustedProxiesError: Error, CustomStringConvertible, Sendable {
    public let entry: String
    public var description: String {
        "\"\(entry)\" is not an address block: use CIDR notation such as 10.0.0.0/16 or 2001:db8::/32, or one address"
    }
}

/// Which client a request comes from, for rate limiting and logs.
public enum ClientAddress {
    /// `X-Forwarded-For` hops read at most, from the right.
    static let maxHops = 32

    /// The peer, unless it is a trusted proxy: then `X-Forwarded-For` (all its headers, in order) read from the right,
    /// skipping trusted proxies, gives the first address that is not one. Each proxy appends the address it saw, so
    /// only the right end is true; what a client wrote at the left end is never believed. An unparsable hop ends the
    /// walk at the last address read. Nil when the peer is unknown.
    public static func resolve(peer: IPAddress?, forwardedFor: [String], trusted: TrustedProxies) -> IPAddress? {
        guard var client = peer, trusted.contains(client) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.suffix(maxHops)
        for hop in hops.reversed() {
            guard let address = IPAddress(hop) else { break }
            client = address
            if !trusted.contains(address) { break }
        }
        return client
    }

    /// The rate limiter's key for `address`: an IPv4 address, or an IPv6 address's /64, the block one subscriber
    /// usually holds (per address, a client could take a new bucket for every request).
    public static func rateLimitKey(_ address: IPAddress?) -> String {
        guard let address else { return "unknown" }
        return address.isIPv4 ? address.description : "\(address.masked(to: 64))/64"
    }
}
