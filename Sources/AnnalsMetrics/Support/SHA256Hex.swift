import Crypto

/// Lower-case hex SHA-256 of the UTF-8 bytes of `text`: a fixed hash, the same in every process and on every replay.
func sha256Hex(_ text: String) -> String {
    SHA256.hash(data: Array(text.utf8)).map { byte in
        let hex = String(byte, radix: 16)
        return byte < 0x10 ? "0" + hex : hex
    }.joined()
}

/// Lower-case hex of a double's IEEE 754 bits: exact, so two runs hash equal numbers equally.
func bitsHex(_ value: Double) -> String {
    String(value.bitPattern, radix: 16)
}

/// Byte-wise (UTF-8) order, the order of PostgreSQL's `COLLATE "C"`: independent of locale and Unicode normalisation.
func utf8Less(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
