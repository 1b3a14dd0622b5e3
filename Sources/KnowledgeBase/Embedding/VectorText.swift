/// pgvector's text form of a vector.
public enum VectorText {
    /// pgvector's text form `[0.1,-0.2]` back to floats; nil for anything else. Reads the UTF-8 bytes in place: a
    /// replay parses one vector per cached chunk, and splitting and trimming strings made it most of a replay's time.
    public static func parse(_ text: String) -> [Float]? {
        var text = text
        return text.withUTF8 { bytes -> [Float]? in
            guard bytes.count >= 2, bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return nil }
            let end = bytes.count - 1
            guard end > 1 else { return [] }
            var vector: [Float] = []
            vector.reserveCapacity(end / 8)
            var start = 1
            while start <= end {
                var stop = start
                while stop < end, bytes[stop] != UInt8(ascii: ",") { stop += 1 }
                var (from, to) = (start, stop)
                while from < to, bytes[from] == UInt8(ascii: " ") { from += 1 }
                while to > from, bytes[to - 1] == UInt8(ascii: " ") { to -= 1 }
                guard let value = Float(String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self))
                else { return nil }
                vector.append(value)
                start = stop + 1
            }
            return vector
        }
    }
}
