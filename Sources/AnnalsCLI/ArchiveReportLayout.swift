import Foundation
import TopicArchive

/// `annals archive`'s report as text (one line per partition, then the totals) or JSON.
enum ArchiveReportLayout {
    static func text(_ report: ArchiveRunReport) -> String {
        var lines: [String] = []
        for partition in report.partitions {
            var line = "\(partition.partition): log [\(partition.logStart), \(partition.logEnd)), archive end "
                + "\(partition.archiveEndBefore.map(String.init) ?? "none") → \(partition.archiveEndAfter.map(String.init) ?? "none")"
            if partition.segments > 0 { line += ", \(partition.segments) segments, \(partition.records) records, \(partition.compressedBytes) bytes" }
            if partition.completedManifests > 0 { line += ", \(partition.completedManifests) manifest(s) of a stopped run completed" }
            if let lost = partition.lost {
                line += "\n  GAP: offsets [\(lost.lowerBound), \(lost.upperBound)) (\(lost.count) records) were deleted from the log "
                    + "before they were archived"
            }
            if let problem = partition.problem { line += "\n  PROBLEM: \(problem)" }
            lines.append(line)
        }
        let seconds = (report.finishedAt ?? Date()).timeIntervalSince(report.startedAt)
        let rate = seconds > 0 ? Double(report.records) / seconds : 0
        lines.append("archived \(report.records) records in \(report.segments) segments, \(report.compressedBytes) bytes "
            + "(\(report.uncompressedBytes) before compression) in \(String(format: "%.1f", seconds)) s "
            + "(\(Int(rate)) records/s, \(String(format: "%.2f", Double(report.uncompressedBytes) / max(seconds, 1e-9) / 1_048_576)) MiB/s)")
        if !report.troubled.isEmpty { lines.append("\(report.troubled.count) partition(s) need attention (GAP or PROBLEM above)") }
        return lines.joined(separator: "\n")
    }

    static func json(_ report: ArchiveRunReport) throws -> String {
        let partitions: [[String: Any]] = report.partitions.map { partition in
            var entry: [String: Any] = [
                "topic": partition.partition.topic, "partition": partition.partition.partition,
                "logStart": partition.logStart, "logEnd": partition.logEnd, "segments": partition.segments,
                "records": partition.records, "compressedBytes": partition.compressedBytes,
                "uncompressedBytes": partition.uncompressedBytes, "completedManifests": partition.completedManifests,
            ]
            entry["archiveEndBefore"] = partition.archiveEndBefore
            entry["archiveEndAfter"] = partition.archiveEndAfter
            if let lost = partition.lost { entry["lost"] = ["from": lost.lowerBound, "to": lost.upperBound] }
            entry["problem"] = partition.problem
            return entry
        }
        let object: [String: Any] = [
            "partitions": partitions, "records": report.records, "segments": report.segments,
            "compressedBytes": report.compressedBytes, "uncompressedBytes": report.uncompressedBytes,
            "seconds": (report.finishedAt ?? Date()).timeIntervalSince(report.startedAt),
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
