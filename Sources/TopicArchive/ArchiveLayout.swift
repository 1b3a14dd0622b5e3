/// Where an archive's objects live in the bucket: under `prefix`, one folder per topic and partition, each segment
/// `<start>-<end>.segment.gz` with its `<start>-<end>.manifest.json`, offsets zero-padded to 20 digits so that key
/// order is offset order.
///
///     annals-archive/story-event/3/00000000000000000000-00000000000000050000.segment.gz
///     annals-archive/story-event/3/00000000000000000000-00000000000000050000.manifest.json
public struct ArchiveLayout: Sendable, Equatable {
    /// The prefix, without leading or trailing `/`; empty for the bucket's root.
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix.split(separator: "/").joined(separator: "/")
    }

    /// The folder of `topic`'s `partition`, ending in `/`.
    public func folder(topic: String, partition: Int32) -> String {
        (prefix.isEmpty ? "" : prefix + "/") + "\(topic)/\(partition)/"
    }

    /// The folder of every topic, ending in `/` (or empty).
    public var root: String { prefix.isEmpty ? "" : prefix + "/" }

    public func segmentKey(topic: String, partition: Int32, start: Int64, end: Int64) -> String {
        folder(topic: topic, partition: partition) + Self.range(start, end) + ".segment.gz"
    }

    public func manifestKey(topic: String, partition: Int32, start: Int64, end: Int64) -> String {
        folder(topic: topic, partition: partition) + Self.range(start, end) + ".manifest.json"
    }

    /// What a key under `root` names: a segment or a manifest of a topic's partition, and its range; nil for any
    /// other object.
    public func parse(_ key: String) -> (topic: String, partition: Int32, start: Int64, end: Int64, isManifest: Bool)? {
        guard key.hasPrefix(root) else { return nil }
        let parts = key.dropFirst(root.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, let partition = Int32(parts[1]), partition >= 0 else { return nil }
        let name = parts[2]
        let isManifest = name.hasSuffix(".manifest.json")
        guard isManifest || name.hasSuffix(".segment.gz") else { return nil }
        let range = name.prefix(41)
        guard name.count == 41 + (isManifest ? 14 : 11), range.dropFirst(20).first == "-",
              let start = Int64(range.prefix(20)), let end = Int64(range.suffix(20)), start >= 0, end > start
        else { return nil }
        return (String(parts[0]), partition, start, end, isManifest)
    }

    private static func range(_ start: Int64, _ end: Int64) -> String {
        padded(start) + "-" + padded(end)
    }

    private static func padded(_ offset: Int64) -> String {
        let digits = String(max(0, offset))
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }
}
