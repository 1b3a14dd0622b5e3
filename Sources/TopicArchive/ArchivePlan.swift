/// What an archive run does with one partition, from where the archive ends and where the log starts and ends.
/// Pure.
public enum ArchivePlan: Equatable, Sendable {
    /// Nothing new since the archive's end.
    case upToDate(end: Int64)
    /// Read `[from, to)` into new segments. With `lost`, records between the archive's end and the log's start
    /// were deleted (retention, a recreated topic) before they were archived: `[lost.lowerBound, lost.upperBound)`.
    case archive(from: Int64, to: Int64, lost: Range<Int64>?)
    /// The archive ends past the log's end: the topic was recreated or truncated since. Nothing is written.
    case aheadOfLog(archiveEnd: Int64, logEnd: Int64)

    /// The plan for a partition whose archive ends at `archiveEnd` (nil: nothing archived yet) and whose log holds
    /// `[logStart, logEnd)`.
    public static func plan(archiveEnd: Int64?, logStart: Int64, logEnd: Int64) -> ArchivePlan {
        let end = archiveEnd ?? 0
        if end > logEnd { return .aheadOfLog(archiveEnd: end, logEnd: logEnd) }
        let from = max(end, logStart)
        if from >= logEnd { return end >= logEnd ? .upToDate(end: end) : .archive(from: from, to: logEnd, lost: end..<logStart) }
        return .archive(from: from, to: logEnd, lost: end < logStart ? end..<logStart : nil)
    }
}
