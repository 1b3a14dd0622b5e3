/// Checks of one decoded segment against what its key and manifest say. Pure.
public enum SegmentVerifier {
    /// The most a segment may decompress to (the settings allow 1 GiB of keys and values, plus framing).
    public static let uncompressedLimit = (1 << 30) + (256 << 20)

    /// The first thing wrong with `segment` as the segment `range` of `topic`'s `partition`; nil when it fits:
    /// the same topic and partition, offsets rising strictly inside the range.
    public static func problem(in segment: SegmentCodec.Decoded, topic: String, partition: Int32,
                               range: PartitionArchive.Range) -> String? {
        if segment.topic != topic || segment.partition != partition {
            return "it holds \(segment.topic)[\(segment.partition)], not \(topic)[\(partition)]"
        }
        var previous: Int64?
        for record in segment.records {
            if record.offset < range.start || record.offset >= range.end {
                return "offset \(record.offset) is outside [\(range.start), \(range.end))"
            }
            if let previous, record.offset <= previous {
                return "offset \(record.offset) follows \(previous): offsets must rise"
            }
            previous = record.offset
        }
        return nil
    }
}
