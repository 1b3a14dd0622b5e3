import Kafka

/// The bytes of a segment before compression: a magic, the partition, then each record with its offset, timestamp,
/// key, value and headers, lengths big-endian (-1 for an absent key, value or header value). Decoding checks every
/// length against what is left, so no input traps.
public enum SegmentCodec {
    static let magic = Array("ANNALSG1".utf8)

    /// `records` of `topic`'s `partition` as one segment.
    public static func encode(topic: String, partition: Int32, records: [ArchivedRecord]) -> [UInt8] {
        var out = magic
        out.reserveCapacity(records.reduce(64) { $0 + 40 + ($1.key?.count ?? 0) + ($1.value?.count ?? 0) })
        appendBytes(Array(topic.utf8), to: &out)
        append(UInt32(bitPattern: partition), to: &out)
        append(UInt32(records.count), to: &out)
        for record in records {
            append(UInt64(bitPattern: record.offset), to: &out)
            out.append(record.timestampMilliseconds == nil ? 0 : 1)
            append(UInt64(bitPattern: record.timestampMilliseconds ?? 0), to: &out)
            appendBytes(record.key, to: &out)
            appendBytes(record.value, to: &out)
            append(UInt32(record.headers.count), to: &out)
            for header in record.headers {
                appendBytes(Array(header.key.utf8), to: &out)
                appendBytes(header.value, to: &out)
            }
        }
        return out
    }

    /// What a segment holds.
    public struct Decoded: Sendable, Equatable {
        public var topic: String
        public var partition: Int32
        public var records: [ArchivedRecord]
    }

    /// The segment in `bytes`; throws naming the first thing that does not fit.
    public static func decode(_ bytes: [UInt8]) throws(ArchiveFormatError) -> Decoded {
        var reader = Reader(bytes: bytes)
        guard try reader.take(magic.count) == magic[...] else { throw .malformed("no segment magic at the start") }
        guard let topicBytes = try reader.bytes(), let topic = String(validating: topicBytes, as: UTF8.self) else {
            throw .malformed("no topic name")
        }
        let partition = Int32(bitPattern: try reader.uint32())
        let count = Int(try reader.uint32())
        var records: [ArchivedRecord] = []
        records.reserveCapacity(min(count, bytes.count / 30))
        for index in 0..<count {
            do throws(ArchiveFormatError) {
                let offset = Int64(bitPattern: try reader.uint64())
                let hasTimestamp = try reader.take(1).first == 1
                let timestamp = Int64(bitPattern: try reader.uint64())
                let key = try reader.bytes()
                let value = try reader.bytes()
                let headerCount = Int(try reader.uint32())
                var headers: [KafkaHeader] = []
                for _ in 0..<headerCount {
                    guard let name = try reader.bytes(), let text = String(validating: name, as: UTF8.self) else {
                        throw .malformed("a header without a UTF-8 name")
                    }
                    headers.append(KafkaHeader(key: text, value: try reader.bytes()))
                }
                records.append(ArchivedRecord(offset: offset, timestampMilliseconds: hasTimestamp ? timestamp : nil,
                                              key: key, value: value, headers: headers))
            } catch {
                throw .malformed("record \(index + 1) of \(count): \(error)")
            }
        }
        guard reader.isAtEnd else { throw .malformed("\(reader.remaining) bytes after the last record") }
        return Decoded(topic: topic, partition: partition, records: records)
    }

    private static func append(_ value: UInt32, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    private static func append(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    /// A length (-1 for nil) and the bytes.
    private static func appendBytes(_ bytes: [UInt8]?, to out: inout [UInt8]) {
        guard let bytes else { return append(UInt32(bitPattern: -1), to: &out) }
        append(UInt32(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    /// Reads `bytes` front to back; every read checks what is left.
    private struct Reader {
        let input: [UInt8]
        var position = 0

        init(bytes: [UInt8]) {
            input = bytes
        }

        var remaining: Int { input.count - position }
        var isAtEnd: Bool { position == input.count }

        mutating func take(_ count: Int) throws(ArchiveFormatError) -> ArraySlice<UInt8> {
            guard count >= 0, count <= remaining else {
                throw .malformed("\(count) bytes wanted at byte \(position), \(remaining) left")
            }
            defer { position += count }
            return input[position..<position + count]
        }

        mutating func uint32() throws(ArchiveFormatError) -> UInt32 {
            try take(4).reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func uint64() throws(ArchiveFormatError) -> UInt64 {
            try take(8).reduce(0) { $0 << 8 | UInt64($1) }
        }

        /// A length-prefixed byte string; nil for length -1.
        mutating func bytes() throws(ArchiveFormatError) -> [UInt8]? {
            let length = Int32(bitPattern: try uint32())
            if length == -1 { return nil }
            guard length >= 0 else { throw .malformed("a negative length \(length) at byte \(position - 4)") }
            return Array(try take(Int(length)))
        }
    }
}
