/// 64-bit FNV-1a: a fixed, unseeded hash, so features land in the same bucket in every
/// process and on every machine (Swift's `Hasher` is seeded per process and must not be used).
enum FNV1a {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The FNV-1a hash of `bytes`, continuing from `state`.
    static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes, from state: UInt64 = offsetBasis) -> UInt64 {
        var hash = state
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= prime
        }
        return hash
    }

    /// MurmurHash3's 64-bit finaliser: FNV-1a mixes its last bytes into the high bits only
    /// weakly, and bucket and sign are taken from different bits, so both get an avalanche.
    static func finalized(_ hash: UInt64) -> UInt64 {
        var h = hash
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }
}
